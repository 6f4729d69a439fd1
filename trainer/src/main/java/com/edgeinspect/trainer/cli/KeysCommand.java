package com.edgeinspect.trainer.cli;

import com.edgeinspect.core.bundle.Keys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code trainer keys}: a new Ed25519 signing key pair for bundles. */
@Command(name = "keys", mixinStandardHelpOptions = true,
        description = "Generate an Ed25519 key pair that signs model bundles: NAME.key (private, owner-only) and "
                + "NAME.pub (give it to the devices that should trust this signer).")
final class KeysCommand implements Callable<Integer> {

    @Option(names = "--out", required = true, description = "directory for the key files")
    Path out;

    @Option(names = "--name", defaultValue = "signing", description = "file name stem (default ${DEFAULT-VALUE})")
    String name;

    @Override
    public Integer call() throws Exception {
        Path priv = out.resolve(name + ".key");
        Path pub = out.resolve(name + ".pub");
        if (Files.exists(priv) || Files.exists(pub)) {
            throw new IllegalArgumentException(priv + " or " + pub + " exists; refusing to overwrite a key");
        }
        KeyPair k = Keys.generate();
        Keys.writePrivate(k.getPrivate(), priv);
        Keys.writePublic(k.getPublic(), pub);
        System.out.printf("key %s: private %s, public %s%n", Keys.id(k.getPublic()), priv, pub);
        return 0;
    }
}

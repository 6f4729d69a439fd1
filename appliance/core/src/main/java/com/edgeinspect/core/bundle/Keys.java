package com.edgeinspect.core.bundle;

import com.edgeinspect.core.io.AtomicFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Ed25519 keys that sign bundles, stored as standard PEM (PKCS#8 private, X.509 public) so {@code openssl pkey} reads
 * them too. Private key files are written owner-only. A key's id is the first 16 hex digits of the SHA-256 of its
 * public encoding: short enough for logs, long enough to tell a fleet's keys apart.
 */
public final class Keys {

    private static final String ALGORITHM = "Ed25519";
    private static final String PRIVATE = "PRIVATE KEY";
    private static final String PUBLIC = "PUBLIC KEY";

    private Keys() {}

    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("this JDK has no Ed25519", e);
        }
    }

    public static void writePrivate(PrivateKey key, Path file) throws IOException {
        AtomicFiles.writeSecret(file, pem(PRIVATE, key.getEncoded()));
    }

    public static void writePublic(PublicKey key, Path file) throws IOException {
        AtomicFiles.write(file, pem(PUBLIC, key.getEncoded()));
    }

    public static PrivateKey readPrivate(Path file) throws BundleException {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(unpem(file, PRIVATE)));
        } catch (GeneralSecurityException e) {
            throw new BundleException(file + ": not an Ed25519 private key: " + e.getMessage(), e);
        }
    }

    /** A private key file ({@code NAME.key}) and the public key beside it ({@code NAME.pub}), checked to match. */
    public static KeyPair readPair(Path privateFile) throws BundleException {
        String name = privateFile.getFileName().toString();
        Path pubFile = privateFile.resolveSibling(name.replaceFirst("\\.key$", "") + ".pub");
        KeyPair pair = new KeyPair(readPublic(pubFile), readPrivate(privateFile));
        byte[] probe = "edgeinspect key check".getBytes(StandardCharsets.US_ASCII);
        if (!verify(pair.getPublic(), probe, sign(pair.getPrivate(), probe))) {
            throw new BundleException(pubFile + " is not the public half of " + privateFile);
        }
        return pair;
    }

    public static PublicKey readPublic(Path file) throws BundleException {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(unpem(file, PUBLIC)));
        } catch (GeneralSecurityException e) {
            throw new BundleException(file + ": not an Ed25519 public key: " + e.getMessage(), e);
        }
    }

    public static String id(PublicKey key) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            return HexFormat.of().formatHex(h, 0, 8);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static byte[] sign(PrivateKey key, byte[] data) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initSign(key);
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("signing failed", e);
        }
    }

    public static boolean verify(PublicKey key, byte[] data, byte[] signature) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initVerify(key);
            s.update(data);
            return s.verify(signature);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static byte[] pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return ("-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n")
                .getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] unpem(Path file, String type) throws BundleException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new BundleException(file + ": cannot read key: " + e.getMessage(), e);
        }
        String begin = "-----BEGIN " + type + "-----";
        String end = "-----END " + type + "-----";
        int b = text.indexOf(begin);
        int e = text.indexOf(end);
        if (b < 0 || e < b) {
            throw new BundleException(file + ": expected a PEM block '" + begin + "'");
        }
        try {
            return Base64.getMimeDecoder().decode(text.substring(b + begin.length(), e));
        } catch (IllegalArgumentException x) {
            throw new BundleException(file + ": bad base64 in PEM block: " + x.getMessage());
        }
    }
}

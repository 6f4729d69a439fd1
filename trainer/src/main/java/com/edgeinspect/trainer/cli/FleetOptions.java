package com.edgeinspect.trainer.cli;

import com.edgeinspect.core.mqtt.MqttAuth;
import com.edgeinspect.core.mqtt.Topics;
import picocli.CommandLine.Option;

/** Where the fleet is: its broker and the devices' topic prefix. */
class FleetOptions {

    @Option(names = "--broker", required = true, description = "MQTT broker, e.g. tcp://broker:1883")
    String broker;

    @Option(names = "--prefix", defaultValue = Topics.DEFAULT_PREFIX,
            description = "the devices' topic prefix template (default ${DEFAULT-VALUE})")
    String prefix;

    @Option(names = "--username", description = "MQTT username (with --password-file)")
    String username;

    @Option(names = "--password-file", description = "owner-only file holding the MQTT password")
    String passwordFile;

    @Option(names = "--ca-file", description = "PEM CA certificates for an ssl:// broker")
    String caFile;

    @Option(names = "--cert-file", description = "PEM client certificate, if the broker requires one (with --key-file)")
    String certFile;

    @Option(names = "--key-file", description = "its owner-only PKCS#8 PEM key")
    String keyFile;

    MqttAuth auth() throws java.io.IOException {
        return MqttAuth.of(username, passwordFile, caFile, certFile, keyFile);
    }

    /** A client id unique to this run, so two operators do not kick each other off the broker. */
    String clientId(String what) {
        return "trainer-" + what + "-" + ProcessHandle.current().pid() + "-" + System.currentTimeMillis() % 100000;
    }
}

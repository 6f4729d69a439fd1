package com.edgeinspect.trainer.cli;

import com.edgeinspect.core.mqtt.Topics;
import picocli.CommandLine.Option;

/** Where the fleet is: its broker and the devices' topic prefix. */
final class FleetOptions {

    @Option(names = "--broker", required = true, description = "MQTT broker, e.g. tcp://broker:1883")
    String broker;

    @Option(names = "--prefix", defaultValue = Topics.DEFAULT_PREFIX,
            description = "the devices' topic prefix template (default ${DEFAULT-VALUE})")
    String prefix;

    /** A client id unique to this run, so two operators do not kick each other off the broker. */
    String clientId(String what) {
        return "trainer-" + what + "-" + ProcessHandle.current().pid() + "-" + System.currentTimeMillis() % 100000;
    }
}

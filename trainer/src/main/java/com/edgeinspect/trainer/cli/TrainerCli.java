package com.edgeinspect.trainer.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The trainer's command line: one subcommand per pipeline stage, each reading and writing files. */
@Command(name = "trainer", mixinStandardHelpOptions = true, version = "edgeinspect trainer 0.1",
        description = "Makes data, trains, compresses and ships defect detectors for the inspection appliance.",
        subcommands = {SynthCommand.class, ConvertCommand.class, StatsCommand.class,
            TrainTeacherCommand.class, DistillCommand.class, GateCommand.class, SearchCommand.class, QuantizeCommand.class, ExportCommand.class, EvalCommand.class, LatencyCommand.class,
            KeysCommand.class, BundleCommand.class, ShipCommand.class, StatusCommand.class})
public final class TrainerCli {

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code; bad input gives a one-line error, not a stack trace. */
    public static int run(String... args) {
        // FFmpeg prints a banner for every input it opens; progress bars say what is being read.
        org.bytedeco.ffmpeg.global.avutil.av_log_set_level(org.bytedeco.ffmpeg.global.avutil.AV_LOG_ERROR);
        CommandLine cli = new CommandLine(new TrainerCli());
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            cmd.getErr().println("error: " + e.getMessage());
            return 2;
        });
        return cli.execute(args);
    }
}

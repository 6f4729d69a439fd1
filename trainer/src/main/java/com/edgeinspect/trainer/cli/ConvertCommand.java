package com.edgeinspect.trainer.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** {@code trainer convert}: between COCO, YOLO, Pascal VOC and annotated video. */
@Command(name = "convert", mixinStandardHelpOptions = true, description = "Convert a labelled dataset between formats.")
final class ConvertCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UnsupportedOperationException("not yet");
    }
}

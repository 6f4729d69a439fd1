package com.edgeinspect.trainer.cli;

import com.edgeinspect.core.io.FileTrees;
import com.edgeinspect.trainer.data.DatasetFormat;
import com.edgeinspect.trainer.data.Problems;
import com.edgeinspect.trainer.data.VideoFrames;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code trainer convert}: between COCO, YOLO, Pascal VOC, and from annotated video to any of them. */
@Command(name = "convert", mixinStandardHelpOptions = true,
        description = "Convert a labelled dataset between COCO, YOLO and Pascal VOC, or extract an annotated video's "
                + "frames into one of them.")
final class ConvertCommand implements Callable<Integer> {

    @Option(names = "--from", required = true, description = "coco, yolo, voc or video")
    String from;

    @Option(names = "--in", required = true,
            description = "input: COCO json or its folder; YOLO or VOC folder; a video with <name>.json beside it")
    Path in;

    @Option(names = "--to", required = true, description = "coco, yolo or voc")
    String to;

    @Option(names = "--out", required = true, description = "output folder")
    Path out;

    @Option(names = "--classes", description = "file with the class list (one per line) to map labels onto")
    Path classes;

    @Option(names = "--skip-bad", description = "skip bad entries and report them instead of failing")
    boolean skipBad;

    @Option(names = "--every", defaultValue = "10", description = "video: keep one frame in N (default ${DEFAULT-VALUE})")
    int every;

    @Option(names = "--min-visible", defaultValue = "0.5",
            description = "video: less visible defects become crowd (unscored) regions (default ${DEFAULT-VALUE})")
    double minVisible;

    @Override
    public Integer call() throws Exception {
        DatasetFormat target = DatasetFormat.of(to);
        Problems problems = skipBad ? Problems.skipBad() : Problems.strict();
        List<String> names = classes == null ? null
                : Files.readAllLines(classes, StandardCharsets.UTF_8).stream().map(String::strip)
                        .filter(s -> !s.isEmpty()).toList();
        DatasetFormat.Loaded data = "video".equalsIgnoreCase(from)
                ? VideoFrames.extract(in, every, minVisible, out.resolve(".frames"))
                : DatasetFormat.of(from).read(in, names, problems);
        long crowd = data.dataset().images().stream().flatMap(i -> i.annotations().stream()).filter(a -> a.crowd()).count();
        if (crowd > 0 && "yolo".equalsIgnoreCase(to)) {
            System.err.println("warning: YOLO has no crowd/difficult flag; " + crowd + " such regions are dropped");
        }
        target.write(data, out);
        if ("video".equalsIgnoreCase(from)) {
            FileTrees.delete(out.resolve(".frames"));
        }
        for (String s : problems.skipped()) {
            System.err.println("skipped: " + s);
        }
        System.out.printf("wrote %s dataset to %s: %d images, %d boxes, %d classes%s%n", target.name(), out,
                data.dataset().images().size(), data.dataset().annotationCount(), data.dataset().classes().size(),
                problems.skipped().isEmpty() ? "" : ", " + problems.skipped().size() + " bad entries skipped");
        return 0;
    }
}

package com.edgeinspect.trainer.cli;

import com.edgeinspect.core.dataset.VideoAnnotations;
import com.edgeinspect.trainer.data.DatasetFormat;
import com.edgeinspect.trainer.data.Problems;
import com.edgeinspect.trainer.data.Split;
import com.edgeinspect.trainer.train.Sample;
import com.edgeinspect.trainer.train.SampleSets;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** Where a training stage takes its samples from: options shared by every stage that trains. */
final class DataOptions {

    /** Loaded samples with their class names and a description of the sources. */
    record Loaded(List<String> classes, List<Sample> samples, List<String> sources) {

        /** Refuses data whose classes differ from a run's ({@code whose}: "the teacher's", "the run's", ...). */
        Loaded requireClasses(List<String> expected, String whose) {
            if (!classes.equals(expected)) {
                throw new IllegalArgumentException("classes of the data " + classes + " differ from " + whose + " "
                        + expected);
            }
            return this;
        }
    }

    @Option(names = "--videos", split = ",", description = "annotated clips (<name>.json beside each)")
    List<Path> videos = new ArrayList<>();

    @Option(names = "--dataset", description = "FORMAT:PATH of a still dataset, e.g. voc:../shared/datasets/NEU-DET")
    String dataset;

    @Option(names = "--split", description = "with --dataset: a list of the images to use, one file name stem per "
            + "line (e.g. ../shared/datasets/NEU-DET/splits/train.txt)")
    Path split;

    @Option(names = "--crop", defaultValue = "192", description = "training crop side, multiple of 16 (default ${DEFAULT-VALUE})")
    int crop;

    @Option(names = "--every", defaultValue = "3", description = "use one frame in N of each clip (default ${DEFAULT-VALUE})")
    int every;

    @Option(names = "--seed", defaultValue = "1")
    long seed;

    /** Defects less visible than this are neither taught nor counted against (crowd regions). */
    static final double MIN_VISIBLE = 0.5;

    /** A still dataset given as {@code FORMAT:PATH}, read strictly, cut to {@code split} when one is given. */
    static DatasetFormat.Loaded dataset(String spec, Path split) throws IOException {
        int colon = spec.indexOf(':');
        if (colon < 0) {
            throw new IllegalArgumentException("--dataset: expected FORMAT:PATH, got '" + spec + "'");
        }
        DatasetFormat.Loaded d = DatasetFormat.of(spec.substring(0, colon)).read(Path.of(spec.substring(colon + 1)),
                null, Problems.strict());
        return split == null ? d : Split.apply(d, split);
    }

    Loaded load() throws IOException {
        if (videos.isEmpty() == (dataset == null)) {
            throw new IllegalArgumentException("give either --videos or --dataset");
        }
        List<String> sources = new ArrayList<>();
        if (dataset != null) {
            DatasetFormat.Loaded d = dataset(dataset, split);
            sources.add(dataset + (split != null ? " (" + split + ")" : ""));
            return new Loaded(d.dataset().classes(), SampleSets.fromDataset(d), sources);
        }
        if (split != null) {
            throw new IllegalArgumentException("--split goes with --dataset, not --videos");
        }
        videos.forEach(v -> sources.add(v.toString()));
        return new Loaded(VideoAnnotations.readBeside(videos.get(0)).classes(),
                SampleSets.fromVideos(videos, every, crop, 2, MIN_VISIBLE, seed), sources);
    }
}

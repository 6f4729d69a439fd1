package com.edgeinspect.trainer.data;

import com.edgeinspect.core.dataset.Dataset;
import com.edgeinspect.core.dataset.ImageEntry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A dataset's split: the images named in a list file, one file name stem per line (as NEU-DET's
 * {@code splits/train.txt}), so training and scoring use the split a dataset publishes and figures stay comparable.
 */
public final class Split {

    private Split() {}

    /** The images of {@code data} that {@code list} names, in the dataset's order; a name without an image fails. */
    public static DatasetFormat.Loaded apply(DatasetFormat.Loaded data, Path list) throws IOException {
        Set<String> stems = new HashSet<>();
        for (ImageEntry e : data.dataset().images()) {
            stems.add(ImageFiles.stem(e.file()));
        }
        Set<String> wanted = new HashSet<>();
        List<String> lines = Files.readAllLines(list);
        for (int i = 0; i < lines.size(); i++) {
            String stem = lines.get(i).strip();
            if (stem.isEmpty()) {
                continue;
            }
            if (!stems.contains(stem)) {
                throw new DatasetException(list, "line " + (i + 1), "no image '" + stem + "' in the dataset");
            }
            wanted.add(stem);
        }
        if (wanted.isEmpty()) {
            throw new DatasetException(list, null, "names no image");
        }
        List<ImageEntry> kept = data.dataset().images().stream().filter(e -> wanted.contains(ImageFiles.stem(e.file())))
                .toList();
        return new DatasetFormat.Loaded(new Dataset(data.dataset().classes(), kept), data.imageRoot());
    }
}

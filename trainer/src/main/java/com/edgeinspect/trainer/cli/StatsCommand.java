package com.edgeinspect.trainer.cli;

import com.edgeinspect.core.dataset.VideoAnnotations;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code trainer stats}: what annotated clips contain, as a Markdown table (used for test-videos/README.md). */
@Command(name = "stats", mixinStandardHelpOptions = true,
        description = "Print a Markdown table of parts and defects per class for annotated clips.")
final class StatsCommand implements Callable<Integer> {

    @Parameters(arity = "1..*", description = "videos with <name>.json beside them")
    List<Path> videos;

    @Override
    public Integer call() throws Exception {
        boolean header = true;
        for (Path v : videos) {
            VideoAnnotations a = VideoAnnotations.readBeside(v);
            if (header) {
                StringBuilder h = new StringBuilder("| clip | frames | parts | defective parts |");
                StringBuilder line = new StringBuilder("|---|---|---|---|");
                for (String c : a.classes()) {
                    h.append(' ').append(c).append(" |");
                    line.append("---|");
                }
                System.out.println(h.append(" defect boxes | smallest defect px |"));
                System.out.println(line.append("---|---|"));
                header = false;
            }
            StringBuilder row = new StringBuilder(String.format(Locale.ROOT, "| %s | %d | %d | %d |",
                    v.getFileName(), a.video().frames(), a.parts().size(),
                    a.parts().stream().filter(VideoAnnotations.Part::defective).count()));
            for (int c = 0; c < a.classes().size(); c++) {
                int cls = c;
                row.append(' ').append(a.defects().stream().filter(d -> d.classId() == cls).count()).append(" |");
            }
            long boxes = a.frames().stream().mapToLong(f -> f.defects().size()).sum();
            double smallest = a.defects().stream().mapToDouble(VideoAnnotations.Defect::sizePx).min().orElse(0);
            System.out.println(row.append(String.format(Locale.ROOT, " %d | %s |", boxes,
                    a.defects().isEmpty() ? "-" : String.valueOf((int) smallest))));
        }
        return 0;
    }
}

package com.edgeinspect.trainer.train;

import com.edgeinspect.core.dataset.Annotation;
import com.edgeinspect.core.dataset.Box;
import com.edgeinspect.core.detect.DetectorOutputs;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * A training batch: normalised images {@code [B, 3, S, S]} and the head targets (see {@link Targets}). Built from
 * samples with augmentation: flips in both directions (a part may lie any way round on the belt) and brightness and
 * contrast jitter (light changes over a shift).
 */
public record Batch(Tensor image, Tensor heatmap, Tensor size, Tensor offset, Tensor centreMask, Tensor weight) {

    /** Makes a batch of {@code samples}, all of the same size (a multiple of {@link DetectorOutputs#ALIGN}). */
    public static Batch of(List<Sample> samples, int classes, Random r, boolean augment) {
        int n = samples.size();
        int hgt = samples.get(0).height();
        int wid = samples.get(0).width();
        if (hgt % DetectorOutputs.ALIGN != 0 || wid % DetectorOutputs.ALIGN != 0) {
            throw new IllegalArgumentException("sample size " + wid + "x" + hgt + " is not a multiple of "
                    + DetectorOutputs.ALIGN);
        }
        int gh = hgt / DetectorOutputs.STRIDE;
        int gw = wid / DetectorOutputs.STRIDE;
        float[] img = new float[n * 3 * hgt * wid];
        float[] hm = new float[n * classes * gh * gw];
        float[] sz = new float[n * 2 * gh * gw];
        float[] off = new float[n * 2 * gh * gw];
        float[] mask = new float[n * gh * gw];
        float[] wt = new float[n * gh * gw];
        for (int i = 0; i < n; i++) {
            Sample s = samples.get(i);
            if (s.width() != wid || s.height() != hgt) {
                throw new IllegalArgumentException("samples of one batch must have one size");
            }
            boolean fx = augment && r.nextBoolean();
            boolean fy = augment && r.nextBoolean();
            float gain = augment ? 0.8f + 0.4f * r.nextFloat() : 1f;
            float shift = augment ? (r.nextFloat() - 0.5f) * 0.2f : 0f;
            pixels(s, fx, fy, gain, shift, img, i * 3 * hgt * wid);
            Targets t = Targets.of(flipped(s.labels(), wid, hgt, fx, fy), classes, hgt, wid);
            System.arraycopy(t.heatmap, 0, hm, i * classes * gh * gw, t.heatmap.length);
            System.arraycopy(t.size, 0, sz, i * 2 * gh * gw, t.size.length);
            System.arraycopy(t.offset, 0, off, i * 2 * gh * gw, t.offset.length);
            System.arraycopy(t.centreMask, 0, mask, i * gh * gw, t.centreMask.length);
            System.arraycopy(t.weight, 0, wt, i * gh * gw, t.weight.length);
        }
        return new Batch(tensor(img, n, 3, hgt, wid), tensor(hm, n, classes, gh, gw), tensor(sz, n, 2, gh, gw),
                tensor(off, n, 2, gh, gw), tensor(mask, n, 1, gh, gw), tensor(wt, n, 1, gh, gw));
    }

    private static void pixels(Sample s, boolean fx, boolean fy, float gain, float shift, float[] out, int base) {
        int w = s.width();
        int h = s.height();
        byte[] rgb = s.rgb();
        int plane = w * h;
        for (int y = 0; y < h; y++) {
            int sy = fy ? h - 1 - y : y;
            for (int x = 0; x < w; x++) {
                int sx = fx ? w - 1 - x : x;
                int si = (sy * w + sx) * 3;
                int di = base + y * w + x;
                for (int c = 0; c < 3; c++) {
                    float v = (rgb[si + c] & 255) / 255f;
                    v = (v - 0.5f) * gain + 0.5f + shift;
                    out[di + c * plane] = DetectorOutputs.normalise(v);
                }
            }
        }
    }

    private static List<Annotation> flipped(List<Annotation> labels, int w, int h, boolean fx, boolean fy) {
        if (!fx && !fy) {
            return labels;
        }
        List<Annotation> out = new ArrayList<>(labels.size());
        for (Annotation a : labels) {
            Box b = a.box();
            Box f = new Box(fx ? w - b.x2() : b.x1(), fy ? h - b.y2() : b.y1(), fx ? w - b.x1() : b.x2(),
                    fy ? h - b.y1() : b.y2());
            out.add(new Annotation(a.classId(), f, a.crowd(), a.trackId()));
        }
        return out;
    }

    static Tensor tensor(float[] data, long... shape) {
        return torch.from_blob(new FloatPointer(data), shape, (org.bytedeco.pytorch.PointerConsumer) null).clone();
    }
}

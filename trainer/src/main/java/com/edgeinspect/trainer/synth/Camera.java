package com.edgeinspect.trainer.synth;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferInt;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Random;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * What the camera and its mounting add to the scene: the guide rails along the top and bottom edges (occluders),
 * uneven and flickering light, sensor noise and, optionally, MJPEG compression artefacts.
 */
final class Camera {

    private static final int NOISE_TABLE = 1 << 20;

    private final int width;
    private final int height;
    private final SynthOptions.Difficulty d;
    private final long seed;
    private final int fps;
    private final int rail;
    private final int[] railRows;
    private final short[] noise;
    private final double lampPhase;
    private final double flickerPeriod;
    private final int[] colGain;
    private final int[] rowGain;

    Camera(SynthOptions options, Random r) {
        this.width = options.width();
        this.height = options.height();
        this.d = options.difficulty();
        this.seed = r.nextLong();
        this.fps = options.fps();
        this.rail = (int) Math.round(d.railHeight() * height / 1080.0);
        this.railRows = railTexture(r);
        this.noise = new short[NOISE_TABLE];
        for (int i = 0; i < NOISE_TABLE; i++) {
            noise[i] = (short) Math.round(r.nextGaussian() * 256);
        }
        this.lampPhase = r.nextDouble() * 2 * Math.PI;
        this.flickerPeriod = 7 + r.nextDouble() * 5;
        this.colGain = new int[width];
        this.rowGain = new int[height];
    }

    int railHeight() {
        return rail;
    }

    private int[] railTexture(Random r) {
        int[] rows = new int[rail * width];
        for (int y = 0; y < rail; y++) {
            // A rolled steel profile: bright along its crown, darker towards its edges, bolts every 240 px.
            double t = rail <= 1 ? 0 : (double) y / (rail - 1);
            double v = 95 + 80 * Math.sin(Math.PI * t);
            for (int x = 0; x < width; x++) {
                double p = v + 3 * r.nextGaussian();
                double bx = (x % 240) - 120;
                double by = (t - 0.5) * rail;
                if (bx * bx + by * by < 64) {
                    p = 60 + (bx + by) * 3;
                }
                int g = PartBody.clamp(p);
                rows[y * width + x] = g << 16 | g << 8 | PartBody.clamp(p + 6);
            }
        }
        return rows;
    }

    /** Draws the rails, then lighting, noise and compression, in place. */
    void apply(int[] rgb, int frame) {
        if (rail > 0) {
            for (int y = 0; y < rail; y++) {
                System.arraycopy(railRows, y * width, rgb, y * width, width);
                System.arraycopy(railRows, (rail - 1 - y) * width, rgb, (height - 1 - y) * width, width);
            }
        }
        light(rgb, frame);
        if (d.jpegQuality() > 0) {
            jpeg(rgb);
        }
    }

    private void light(int[] rgb, int frame) {
        double lit = d.lighting();
        Random r = new Random(seed + 31L * frame);
        double t = (double) frame / fps;
        // A lamp swaying slowly along the belt, mains flicker, and a vignette.
        double lampX = width * (0.5 + 0.35 * Math.sin(t * 0.4 + lampPhase));
        double global = 1 + lit * (0.06 * Math.sin(2 * Math.PI * frame / flickerPeriod) + 0.03 * r.nextGaussian());
        for (int x = 0; x < width; x++) {
            double u = (x - lampX) / width;
            colGain[x] = (int) Math.round(256 * global * (1 - lit * 0.45 * u * u) * (1 - lit * 0.12 * sq(2.0 * x / width - 1)));
        }
        for (int y = 0; y < height; y++) {
            rowGain[y] = (int) Math.round(256 * (1 - lit * 0.18 * sq(2.0 * y / height - 1)));
        }
        int sigma = (int) Math.round(d.noise() * 256);
        for (int y = 0; y < height; y++) {
            int off = r.nextInt(NOISE_TABLE);
            int rg = rowGain[y];
            int base = y * width;
            for (int x = 0; x < width; x++) {
                int g = colGain[x] * rg >> 8;
                int n = noise[(off + x) & (NOISE_TABLE - 1)] * sigma >> 16;
                int v = rgb[base + x];
                int rr = clamp((((v >> 16) & 255) * g >> 8) + n);
                int gg = clamp((((v >> 8) & 255) * g >> 8) + n);
                int bb = clamp(((v & 255) * g >> 8) + n);
                rgb[base + x] = rr << 16 | gg << 8 | bb;
            }
        }
    }

    private void jpeg(int[] rgb) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        int[] px = ((DataBufferInt) img.getRaster().getDataBuffer()).getData();
        System.arraycopy(rgb, 0, px, 0, rgb.length);
        ImageWriter writer = ImageIO.getImageWritersByFormatName("jpeg").next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(1 << 20);
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            ImageWriteParam p = writer.getDefaultWriteParam();
            p.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            p.setCompressionQuality((float) d.jpegQuality());
            writer.setOutput(out);
            writer.write(null, new IIOImage(img, null, null), p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        try {
            BufferedImage back = ImageIO.read(new ByteArrayInputStream(bytes.toByteArray()));
            back.getRGB(0, 0, width, height, rgb, 0, width);
            for (int i = 0; i < rgb.length; i++) {
                rgb[i] &= 0xFFFFFF;
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int clamp(int v) {
        return v < 0 ? 0 : Math.min(v, 255);
    }

    private static double sq(double v) {
        return v * v;
    }
}

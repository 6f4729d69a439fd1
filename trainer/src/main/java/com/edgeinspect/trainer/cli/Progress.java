package com.edgeinspect.trainer.cli;

import java.io.PrintStream;
import java.util.Locale;

/**
 * A one-line progress bar for long jobs: done/total, rate, ETA and a free-text status (loss terms, etc.). On a
 * terminal it redraws in place; in logs (not a TTY) it prints a line every few seconds so CI output stays short.
 */
public final class Progress implements AutoCloseable {

    private static final int BAR = 30;

    private final String task;
    private final long total;
    private final String unit;
    private final PrintStream out;
    private final boolean tty;
    private final long start = System.nanoTime();
    private long lastPrint;
    private long done;
    private String status = "";

    public Progress(String task, long total, String unit) {
        this(task, total, unit, System.err, System.console() != null);
    }

    Progress(String task, long total, String unit, PrintStream out, boolean tty) {
        this.task = task;
        this.total = total;
        this.unit = unit;
        this.out = out;
        this.tty = tty;
    }

    public synchronized void step(long n, String status) {
        done += n;
        this.status = status == null ? "" : status;
        long now = System.nanoTime();
        if (now - lastPrint > (tty ? 200_000_000L : 5_000_000_000L) || done >= total) {
            lastPrint = now;
            print(false);
        }
    }

    public void step(long n) {
        step(n, status);
    }

    public double rate() {
        double s = (System.nanoTime() - start) / 1e9;
        return s > 0 ? done / s : 0;
    }

    public double seconds() {
        return (System.nanoTime() - start) / 1e9;
    }

    private void print(boolean last) {
        double frac = total > 0 ? Math.min(1, (double) done / total) : 0;
        int filled = (int) Math.round(frac * BAR);
        double rate = rate();
        long eta = rate > 0 ? Math.round((total - done) / rate) : -1;
        String line = String.format(Locale.ROOT, "%s [%s%s] %d/%d %s  %.1f %s/s  %s  %s", task, "#".repeat(filled),
                ".".repeat(BAR - filled), done, total, unit, rate, unit,
                last ? String.format(Locale.ROOT, "%.1fs", seconds()) : "ETA " + (eta < 0 ? "?" : eta + "s"), status);
        if (tty) {
            out.print("\r" + line + (last ? "\n" : ""));
        } else {
            out.println(line);
        }
        out.flush();
    }

    @Override
    public synchronized void close() {
        print(true);
    }
}

package com.edgeinspect.appliance.install;

import com.edgeinspect.core.bundle.Bundle;
import com.edgeinspect.core.ship.Offer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;

/**
 * A bundle arriving in chunks, written in place into {@code <sha256>.part}. Nothing about which chunks arrived is
 * stored beside it: on resume (after a restart) each chunk's region is hashed against the offer, so a torn write or a
 * truncated file only costs the chunks it touched.
 */
final class Download implements AutoCloseable {

    private final Offer offer;
    private final Path file;
    private final FileChannel channel;
    private final BitSet have = new BitSet();

    private Download(Offer offer, Path file, FileChannel channel) {
        this.offer = offer;
        this.file = file;
        this.channel = channel;
    }

    /** Opens the part file for an offer, keeping every chunk already there intact. */
    static Download open(Path dir, Offer offer) throws IOException {
        Files.createDirectories(dir);
        Path file = dir.resolve(offer.sha256() + ".part");
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        Download d = new Download(offer, file, ch);
        try {
            d.recheck();
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
        return d;
    }

    private void recheck() throws IOException {
        long size = channel.size();
        for (int i = 0; i < offer.chunks().size(); i++) {
            long from = (long) i * offer.chunkSize();
            int len = (int) Math.min(offer.chunkSize(), offer.size() - from);
            if (from + len <= size) {
                ByteBuffer b = ByteBuffer.allocate(len);
                channel.read(b, from);
                if (Bundle.sha256(b.array()).equals(offer.chunks().get(i))) {
                    have.set(i);
                }
            }
        }
    }

    /** Writes chunk {@code index}, whose bytes the caller checked against the offer. */
    void put(int index, byte[] data) throws IOException {
        if (have.get(index)) {
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(data);
        long at = (long) index * offer.chunkSize();
        while (b.hasRemaining()) {
            at += channel.write(b, at);
        }
        have.set(index);
    }

    boolean complete() {
        return have.cardinality() == offer.chunks().size();
    }

    int received() {
        return have.cardinality();
    }

    /** The absent chunks as [first, last] ranges (at most {@code max} ranges: a request need not be complete). */
    List<List<Integer>> missing(int max) {
        List<List<Integer>> out = new ArrayList<>();
        int i = have.nextClearBit(0);
        while (i < offer.chunks().size() && out.size() < max) {
            int end = Math.min(have.nextSetBit(i) < 0 ? offer.chunks().size() : have.nextSetBit(i),
                    offer.chunks().size());
            out.add(List.of(i, end - 1));
            i = have.nextClearBit(end);
        }
        return out;
    }

    /** The assembled bundle; its SHA-256 must be the offer's. */
    byte[] bytes() throws IOException {
        ByteBuffer b = ByteBuffer.allocate((int) offer.size());
        channel.read(b, 0);
        byte[] out = b.array();
        if (!Bundle.sha256(out).equals(offer.sha256())) {
            throw new IOException(file + ": assembled bundle does not match the offer's SHA-256");
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }

    /** Closes and deletes the part file. */
    void discard() throws IOException {
        close();
        Files.deleteIfExists(file);
    }
}

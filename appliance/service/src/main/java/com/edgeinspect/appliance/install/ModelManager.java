package com.edgeinspect.appliance.install;

import com.edgeinspect.appliance.config.ApplianceConfig;
import com.edgeinspect.appliance.model.BundleBenchmark;
import com.edgeinspect.appliance.model.LoadedModel;
import com.edgeinspect.appliance.model.ModelLoader;
import com.edgeinspect.appliance.model.ModelStore;
import com.edgeinspect.appliance.publish.MqttLink;
import com.edgeinspect.core.bundle.Bundle;
import com.edgeinspect.core.bundle.BundleException;
import com.edgeinspect.core.bundle.Manifest;
import com.edgeinspect.core.bundle.Versions;
import com.edgeinspect.core.mqtt.Topics;
import com.edgeinspect.core.ship.Chunk;
import com.edgeinspect.core.ship.ModelState;
import com.edgeinspect.core.ship.ModelState.Step;
import com.edgeinspect.core.ship.Offer;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.eclipse.paho.mqttv5.common.MqttMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The appliance's model manager: takes offers and chunks from MQTT, and walks each offered bundle through
 * offered → receiving → verified → staged → warming → active, or to rejected(reason); watches a new model on
 * probation and rolls it back (also on {@code cmd/rollback}); {@code cmd/benchmark} times a bundle without
 * installing it ({@link BundleBenchmark}). Every step is published retained on
 * {@code model/state} with the model that serves, and recorded on disk, so duplicates, replays and restarts are
 * harmless. All of it runs on one thread, in message order; the frame path only ever sees the swap.
 */
public final class ModelManager implements AutoCloseable {

    /** What the manager needs from the appliance. */
    public interface Host {
        LoadedModel serving();

        /** Makes {@code next} serve from the next frame on. */
        void serve(LoadedModel next);

        /** The input shapes the streams feed the model, for warm-up. */
        List<long[]> inputShapes();

        /** Lets {@code shadow} see the streams' frames (null: none). */
        void shadow(Shadow shadow);

        Probation.Health health();
    }

    private static final Logger LOG = LoggerFactory.getLogger(ModelManager.class);
    private static final long SECOND = 1_000_000_000L;
    /** Offers dated further ahead than this are refused: a far-future one would make every real offer stale. */
    private static final java.time.Duration MAX_CLOCK_SKEW = java.time.Duration.ofMinutes(10);

    private final ApplianceConfig.Install settings;
    private final String device;
    private final Topics topics;
    private final List<String> groups;
    private final MqttLink mqtt;
    private final ModelLoader loader;
    private final ModelStore store;
    private final Path recordFile;
    private final Path incoming;
    private final Host host;
    /** The box's wall clock (NTP may step it): dates offers, install records and model states. */
    private final Clock clock;
    /** The install thread; a full queue holds up MQTT's delivery thread rather than buffer chunks without bound. */
    private final ThreadPoolExecutor worker = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(64), r -> daemon(r, "model-install"), (r, pool) -> {
                try {
                    if (!pool.isShutdown()) {
                        pool.getQueue().put(r);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(
            r -> daemon(r, "model-install-clock"));

    // Install state: touched on the install thread only.
    private InstallRecord current;
    private Offer offer;
    private String offerTopic;
    private Download download;
    private long lastChunk;
    private long lastRequest;
    private long lastProgress;
    private Probation probation;
    private volatile ModelState published;
    private Long lastIgnoredLog;
    private long ignoredSilently;
    private volatile long handled;
    private volatile long ignoredTotal;

    public ModelManager(ApplianceConfig.Install settings, String device, List<String> groups, Topics topics,
            MqttLink mqtt, ModelLoader loader, ModelStore store, Path dir, Host host, Clock clock) {
        this.settings = settings;
        this.clock = clock;
        this.device = device;
        this.groups = List.copyOf(groups);
        this.topics = topics;
        this.mqtt = mqtt;
        this.loader = loader;
        this.store = store;
        this.recordFile = dir.resolve("install.json");
        this.incoming = dir.resolve("incoming");
        this.host = host;
    }

    private static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }

    /** Publishes where the last install stood, then listens for offers, chunks and commands. */
    public void start() {
        worker.execute(this::resume);
        List<String> filters = new ArrayList<>(List.of(topics.modelOffer(), topics.modelChunks(), topics.commands()));
        groups.forEach(g -> filters.add(Topics.fleetOffer(g)));
        mqtt.onConnect(() -> worker.execute(this::publish));
        mqtt.subscribe(filters, (topic, message) -> worker.execute(() -> handle(topic, message)));
        timer.scheduleWithFixedDelay(() -> {
            if (worker.getQueue().isEmpty()) {
                worker.execute(this::tick);
            }
        }, 1, 1, TimeUnit.SECONDS);
    }

    /** Installs a bundle file by hand (the same steps as a shipped one, without the transfer); waits for it. */
    public void install(byte[] bundle, String where) throws BundleException, InterruptedException {
        call(() -> {
            offer = null;
            closeDownload(true);
            current = null;
            install(bundle, where, Instant.now(clock).toString());
            if (current.stepValue() == Step.REJECTED) {
                throw new BundleException(current.reason());
            }
            return null;
        });
    }

    private void call(Callable<Void> task) throws BundleException, InterruptedException {
        Future<Void> f = worker.submit(task);
        try {
            f.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof BundleException b) {
                throw b;
            }
            throw new BundleException(e.getCause().toString(), e.getCause());
        }
    }

    private void resume() {
        current = InstallRecord.read(recordFile);
        if (current == null) {
            publish();
            return;
        }
        Step s = current.stepValue();
        if (s == Step.ACTIVE && !current.sha256().equals(host.serving().bundle().sha256())) {
            decide(Step.ROLLED_BACK, "the installed bundle did not load at start; the last known good serves");
        } else if (!s.done()) {
            // The retained offer will come again and the install resumes from what is on disk.
            current = current.at(s, "interrupted by a restart; resuming when the offer arrives");
            publish();
        } else {
            if (s == Step.ACTIVE && !current.healthy()) {
                startProbation();
            }
            publish();
        }
    }

    private void handle(String topic, MqttMessage message) {
        handled++;
        try {
            if (topic.startsWith(topics.modelChunks().replace("+", ""))) {
                onChunk(topic, message.getPayload());
            } else if (topic.endsWith("/model/offer")) {
                onOffer(topic, message.getPayload());
            } else if (topic.startsWith(topics.commands().replace("+", ""))) {
                onCommand(topic.substring(topic.lastIndexOf('/') + 1), message);
            }
        } catch (RuntimeException e) {
            LOG.error("model message on {} failed: {}", topic, e.toString(), e);
        }
    }

    private void onOffer(String topic, byte[] payload) {
        if (payload.length == 0) {
            if (offer != null && topic.equals(offerTopic) && inTransfer()) {
                abandon("offer withdrawn by the shipper");
            }
            return;
        }
        Offer o;
        try {
            o = Offer.parse(payload, topic);
        } catch (BundleException e) {
            ignored(e.getMessage());
            return;
        }
        if (clockSet() && o.issued().isAfter(Instant.now(clock).plus(MAX_CLOCK_SKEW))) {
            ignored(topic + ": offer " + o.id() + " is dated " + o.time() + ", in the future");
            return;
        }
        if (current != null && o.id().equals(current.offerId())) {
            if (offer == null && !current.stepValue().done()) {
                begin(o, topic); // the offer of an install a restart interrupted
            } else {
                publish(); // a duplicate or a replay: say again where it stands
            }
            return;
        }
        if (current != null && current.offerTime() != null
                && o.issued().isBefore(Instant.parse(current.offerTime()))) {
            LOG.info("ignored stale offer {} {} on {} (issued {}, before the last one acted on)", o.name(),
                    o.version(), topic, o.time());
            return;
        }
        closeDownload(offer == null || !offer.sha256().equals(o.sha256()));
        begin(o, topic);
    }

    /**
     * Whether this box's clock can judge an offer's date: a box without a battery-backed clock may boot in 1970 until
     * NTP answers, and must still take offers then. A clock earlier than the serving model's creation is not set.
     */
    private boolean clockSet() {
        try {
            return Instant.now(clock).isAfter(Instant.parse(host.serving().bundle().manifest().created()));
        } catch (RuntimeException e) {
            return false;
        }
    }

    private void begin(Offer o, String topic) {
        offer = o;
        offerTopic = topic;
        String lastTime = current == null ? null : current.offerTime();
        current = new InstallRecord(o.id(), o.time(), o.sha256(), o.name(), o.version(), Step.OFFERED.wire(), null,
                false);
        LoadedModel serving = host.serving();
        if (o.sha256().equals(serving.bundle().sha256())) {
            current = current.passed();
            decide(Step.ACTIVE, null);
            return;
        }
        try {
            Manifest m = loader.verifyOffer(o.manifestBytes(), o.signatureBytes(), "offer " + o.name() + " "
                    + o.version());
            if (!m.name().equals(o.name()) || !m.version().equals(o.version())) {
                throw new BundleException("the offer names " + o.name() + " " + o.version() + " but its manifest "
                        + m.name() + " " + m.version());
            }
            if (o.size() > loader.maxBundleBytes()) {
                throw new BundleException("the bundle is " + o.size() + " bytes, more than the limit of "
                        + loader.maxBundleBytes());
            }
            if (m.name().equals(serving.name()) && Versions.compare(m.version(), serving.version()) <= 0 && !o.force()) {
                throw new BundleException("version " + m.version() + " is not newer than the serving "
                        + serving.version() + " (ship with force to downgrade)");
            }
        } catch (BundleException e) {
            // The offer's time is not signed: a refused offer must not move the clock that makes others stale. Nor
            // is it written to disk: a flood of forged offers costs no fsyncs, and after a restart it is refused again.
            current = new InstallRecord(o.id(), lastTime, o.sha256(), o.name(), o.version(), Step.REJECTED.wire(),
                    e.getMessage(), false);
            offer = null;
            LOG.warn("model {} {}: rejected ({})", o.name(), o.version(), e.getMessage());
            publish();
            return;
        }
        LOG.info("model {} {} offered on {} ({} bytes in {} chunks)", o.name(), o.version(), topic, o.size(),
                o.chunks().size());
        step(Step.OFFERED, null);
        byte[] staged = stagedBundle(o.sha256());
        if (staged != null) {
            install(staged, "staged " + o.name() + " " + o.version(), o.time());
            return;
        }
        try {
            download = Download.open(incoming, o);
        } catch (IOException e) {
            decide(Step.REJECTED, "cannot store the download: " + e.getMessage());
            return;
        }
        lastChunk = System.nanoTime();
        current = current.at(Step.RECEIVING, null);
        if (download.complete()) {
            finishDownload();
        } else {
            request();
        }
    }

    private void onChunk(String topic, byte[] payload) {
        Chunk c;
        try {
            c = Chunk.decode(payload, topic);
        } catch (BundleException e) {
            ignored(e.getMessage());
            return;
        }
        if (download == null || !c.bundle().equals(offer.sha256())) {
            LOG.debug("ignored chunk {} of {}: not the bundle being received", c.index(), c.bundle());
            return;
        }
        if (c.count() != offer.chunks().size() || !c.sha256().equals(offer.chunks().get(c.index()))) {
            ignored("chunk " + c.index() + " on " + topic + " does not match the offer's chunk plan");
            return;
        }
        try {
            download.put(c.index(), c.data());
        } catch (IOException e) {
            abandon("cannot store the download: " + e.getMessage());
            return;
        }
        lastChunk = System.nanoTime();
        if (download.complete()) {
            finishDownload();
        } else if (lastChunk - lastProgress > SECOND) {
            lastProgress = lastChunk;
            publish();
        }
    }

    private void finishDownload() {
        byte[] bytes;
        try {
            bytes = download.bytes();
        } catch (IOException e) {
            abandon(e.getMessage());
            return;
        }
        closeDownload(true);
        install(bytes, "offer " + offer.name() + " " + offer.version(), offer.time());
    }

    /**
     * Verify, stage, load and warm, then promote on disk and swap in memory. Promoting first means that after a
     * crash the disk already names the model that was about to serve; a failed promotion leaves the old one serving.
     */
    private void install(byte[] bytes, String where, String offerTime) {
        LoadedModel next = null;
        try {
            Bundle b = loader.verify(bytes, where);
            if (offer != null && (!b.manifest().name().equals(offer.name())
                    || !b.manifest().version().equals(offer.version()))) {
                throw new BundleException(where + ": the bundle is " + b + ", not what was offered");
            }
            if (current == null) {
                current = new InstallRecord(null, offerTime, b.sha256(), b.manifest().name(), b.manifest().version(),
                        Step.VERIFIED.wire(), null, false);
            }
            step(Step.VERIFIED, null);
            store.stage(bytes);
            step(Step.STAGED, null);
            step(Step.WARMING, null);
            next = loader.load(b);
            loader.warm(next, host.inputShapes());
            if (settings.shadowFrames() > 0) {
                step(Step.SHADOW, null);
                shadow(next, where);
            }
            store.promote();
            LoadedModel old = host.serving();
            host.serve(next);
            next = null;
            LOG.info("model {} {} serves now (was {} {})", b.manifest().name(), b.manifest().version(), old.name(),
                    old.version());
            offer = null;
            decide(Step.ACTIVE, null);
            startProbation();
        } catch (IOException e) { // BundleException included
            closeQuietly(next);
            deleteStaged();
            if (current == null) {
                current = new InstallRecord(null, offerTime, Bundle.sha256(bytes), null, null, Step.REJECTED.wire(),
                        null, false);
            }
            decide(Step.REJECTED, e instanceof BundleException ? e.getMessage()
                    : "cannot store the bundle: " + e.getMessage());
        }
    }

    /** Runs the candidate beside the serving model on live frames; throws if it disagrees, fails or is starved. */
    private void shadow(LoadedModel candidate, String where) throws BundleException {
        Shadow s = new Shadow(candidate, settings.shadowFrames(), settings.shadowEvery());
        long timeout = 60 + (long) settings.shadowFrames() * settings.shadowEvery();
        Shadow.Report r;
        host.shadow(s);
        try {
            r = s.await(timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BundleException(where + ": shadow run interrupted");
        } finally {
            host.shadow(null);
        }
        LOG.info("model {} in shadow: {} frames, agreement {}, {} failures, slowest {} ms", where, r.frames(),
                String.format(java.util.Locale.ROOT, "%.3f", r.agreement()), r.failures(), Math.round(r.slowestMs()));
        if (r.frames() < settings.shadowFrames()) {
            throw new BundleException(where + ": in shadow it saw only " + r.frames() + " of "
                    + settings.shadowFrames() + " live frames in " + timeout + " s");
        }
        if (r.failures() > 0) {
            throw new BundleException(where + ": in shadow it failed on " + r.failures() + " live frames");
        }
        if (r.agreement() < settings.shadowMinAgreement()) {
            throw new BundleException(String.format(java.util.Locale.ROOT, "%s: in shadow it agreed with the serving "
                    + "model on %.2f of detections over %d live frames, below %.2f", where, r.agreement(), r.frames(),
                    settings.shadowMinAgreement()));
        }
    }

    private void startProbation() {
        probation = new Probation(settings, host.health(), System.nanoTime());
    }

    /** Once a second: re-request stalled chunks, give up on dead transfers, watch a model on probation. */
    private void tick() {
        try {
            long now = System.nanoTime();
            if (download != null) {
                long idle = now - lastChunk;
                if (idle > settings.transferTimeoutSeconds() * SECOND) {
                    abandon("transfer stalled: chunks " + download.missing(8) + " missing after "
                            + settings.transferTimeoutSeconds() + " s without progress");
                } else if (idle > settings.requestIntervalSeconds() * SECOND
                        && now - lastRequest > settings.requestIntervalSeconds() * SECOND) {
                    request();
                }
            }
            if (current != null && current.stepValue() == Step.ACTIVE && !current.healthy()) {
                watchProbation(now);
            }
        } catch (RuntimeException e) {
            LOG.error("model install tick failed: {}", e.toString(), e);
        }
    }

    private void watchProbation(long now) {
        Probation.Verdict v = probation.check(host.health(), now);
        if (v.failed() != null) {
            try {
                rollbackNow("on probation: " + v.failed());
            } catch (BundleException e) {
                LOG.error("model {} {} is unhealthy ({}) but cannot be rolled back: {}", current.name(),
                        current.version(), v.failed(), e.getMessage());
            }
        } else if (v.passed()) {
            current = current.passed();
            persist();
            publish();
            LOG.info("model {} {} passed its probation", current.name(), current.version());
        }
    }

    private void rollbackNow(String reason) throws BundleException {
        if (!Files.exists(store.previous())) {
            throw new BundleException("no last known good model to roll back to");
        }
        LoadedModel prev = loader.load(store.previous());
        try {
            loader.warm(prev, host.inputShapes());
            store.rollback();
        } catch (IOException e) {
            closeQuietly(prev);
            throw new BundleException("rollback failed: " + e.getMessage(), e);
        }
        LoadedModel bad = host.serving();
        host.serve(prev);
        closeDownload(true);
        offer = null;
        if (current == null || !bad.bundle().sha256().equals(current.sha256())) {
            current = new InstallRecord(null, Instant.now(clock).toString(), bad.bundle().sha256(), bad.name(),
                    bad.version(), Step.ROLLED_BACK.wire(), null, false);
        }
        LOG.warn("model {} {} rolled back ({}); {} {} serves again", bad.name(), bad.version(), reason, prev.name(),
                prev.version());
        decide(Step.ROLLED_BACK, reason);
    }

    private void onCommand(String name, MqttMessage message) {
        JsonObject answer = new JsonObject().put("command", name).put("device", device);
        JsonObject args;
        try {
            byte[] p = message.getPayload();
            args = p.length == 0 ? new JsonObject() : new JsonObject(new String(p, StandardCharsets.UTF_8));
        } catch (RuntimeException e) {
            ignored("command " + name + ": its payload is not a JSON object");
            mqtt.reply(message, answer.put("ok", false).put("error", "payload is not a JSON object").encode());
            return;
        }
        if (name.equals("rollback")) {
            try {
                rollbackNow(String.valueOf(args.getValue("reason", "by command")));
                answer.put("ok", true).put("serving", host.serving().version());
            } catch (BundleException e) {
                answer.put("ok", false).put("error", e.getMessage());
            }
        } else if (name.equals("benchmark")) {
            try {
                answer.mergeIn(BundleBenchmark.run(loader, args));
            } catch (BundleException e) {
                answer.put("ok", false).put("error", e.getMessage());
            }
        } else {
            answer.put("ok", false).put("error", "unknown command '" + name + "'");
        }
        mqtt.reply(message, answer.encode());
    }

    /**
     * Logs a malformed or foreign message, at most one line every 10 s with the count of those not shown: a flood of
     * garbage must not flood the journal.
     */
    private void ignored(String why) {
        ignoredTotal++;
        long now = System.nanoTime();
        if (lastIgnoredLog == null || now - lastIgnoredLog > 10 * SECOND) {
            LOG.warn("ignored: {}{}", why, ignoredSilently == 0 ? "" : " (and " + ignoredSilently
                    + " other malformed or foreign model message(s) since the last such line)");
            lastIgnoredLog = now;
            ignoredSilently = 0;
        } else {
            ignoredSilently++;
        }
    }

    private boolean inTransfer() {
        return download != null || (current != null && current.stepValue() == Step.OFFERED);
    }

    /** Asks for the missing chunks: a {@code receiving} state that lists them. */
    private void request() {
        lastRequest = System.nanoTime();
        publish(true);
    }

    private void abandon(String reason) {
        closeDownload(true);
        decide(Step.REJECTED, reason);
    }

    private void step(Step s, String reason) {
        current = current.at(s, reason);
        persist();
        publish();
    }

    /** Ends the install at {@code s}: recorded, published, download dropped. */
    private void decide(Step s, String reason) {
        if (s != Step.ACTIVE) {
            closeDownload(true);
            offer = null;
            LOG.warn("model {} {}: {}{}", current.name(), current.version(), s.wire(),
                    reason == null ? "" : " (" + reason + ")");
        }
        boolean healthy = current.healthy();
        current = current.at(s, reason);
        if (healthy && s == Step.ACTIVE) {
            current = current.passed();
        }
        persist();
        publish();
    }

    private void persist() {
        try {
            current.write(recordFile);
        } catch (IOException e) {
            LOG.error("cannot record the install state in {}: {}", recordFile, e.getMessage());
        }
    }

    private void publish() {
        publish(false);
    }

    /** @param asking list the missing chunks, which asks the shipper for them */
    private void publish(boolean asking) {
        LoadedModel s = host.serving();
        ModelState.Serving serving = s == null ? null
                : new ModelState.Serving(s.name(), s.version(), s.bundle().sha256());
        ModelState state;
        String now = Instant.now(clock).toString();
        if (current == null) {
            state = new ModelState(Step.IDLE.wire(), device, now, null, null, null, null, null, null, null, null, null,
                    serving);
        } else {
            boolean receiving = download != null;
            Step step = receiving ? Step.RECEIVING : current.stepValue();
            state = new ModelState(step.wire(), device, now, current.offerId(), current.name(),
                    current.version(), current.sha256(), current.reason(), receiving ? download.received() : null,
                    receiving ? offer.chunks().size() : null, asking && receiving ? download.missing(64) : null,
                    step == Step.ACTIVE ? current.healthy() : null, serving);
        }
        published = state;
        mqtt.publish(topics.modelState(), state.toJson(), 1, true);
    }

    private byte[] stagedBundle(String sha256) {
        try {
            if (Files.exists(store.staged())) {
                byte[] b = Files.readAllBytes(store.staged());
                if (Bundle.sha256(b).equals(sha256)) {
                    return b;
                }
            }
        } catch (IOException e) {
            LOG.warn("staged bundle unreadable: {}", e.getMessage());
        }
        return null;
    }

    private void deleteStaged() {
        try {
            Files.deleteIfExists(store.staged());
        } catch (IOException e) {
            LOG.warn("cannot delete {}: {}", store.staged(), e.getMessage());
        }
    }

    private void closeDownload(boolean discard) {
        if (download == null) {
            return;
        }
        try {
            if (discard) {
                download.discard();
            } else {
                download.close();
            }
        } catch (IOException e) {
            LOG.warn("closing the download: {}", e.getMessage());
        }
        download = null;
    }

    private static void closeQuietly(LoadedModel m) {
        if (m != null) {
            try {
                m.close();
            } catch (Exception e) {
                LOG.warn("closing model {}: {}", m.version(), e.toString());
            }
        }
    }

    /** Model messages (offers, chunks, commands) handled, and how many of them were malformed or foreign. */
    public Map<String, Long> messages() {
        return Map.of("handled", handled, "ignored", ignoredTotal);
    }

    /** The install state as last published (for the status page). */
    public ModelState state() {
        return published;
    }

    @Override
    public void close() throws InterruptedException {
        timer.shutdownNow();
        worker.shutdown();
        if (!worker.awaitTermination(30, TimeUnit.SECONDS)) {
            worker.shutdownNow();
        }
        closeDownload(false);
    }
}

package io.prefstream.model.checkpoint;

import ai.djl.Device;
import io.prefstream.model.LmConfig;
import io.prefstream.model.TransformerModel;
import io.prefstream.model.hf.HfConfig;
import io.prefstream.model.hf.HfTokenizer;
import io.prefstream.model.hf.HuggingFace;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.nn.ParameterStore;
import io.prefstream.model.reward.RewardModel;
import io.prefstream.model.tokenizer.Tokenizer;
import io.prefstream.model.tokenizer.Tokenizers;
import io.prefstream.model.train.AdamW;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checkpoint directories: {@code weights.bin} (see {@link ParameterStore}), optional
 * {@code optimizer.bin} (AdamW moments and step), and {@code manifest.properties} with kind,
 * config, tokenizer id, parameter count, caller metadata and the sha256 of each binary file.
 * A Hugging Face family's checkpoint also holds its tokenizer files and {@code config.json}, and
 * with {@code huggingFaceWeights} a {@code model.safetensors}: the directory is then a Hugging Face
 * folder that transformers and vLLM load as it is.
 *
 * <p>Wherever a policy checkpoint is read, a plain Hugging Face model folder (config.json,
 * safetensors, tokenizer.json, no manifest) is accepted too: its manifest is derived
 * ({@link #readManifest}) with the sha256 of its safetensors as the weights hash.
 *
 * <p>Writes are atomic: everything goes to a sibling temp directory that is renamed into place
 * with {@code ATOMIC_MOVE}, so a reader never sees a half-written checkpoint. Loads verify the
 * weights' sha256 against the manifest (and against a published hash when given), the kind, the
 * config (and an expected config when given) and the tensor layout, and fail with a
 * {@link CheckpointException} that says which check failed.
 */
public final class Checkpoints {

    public static final String WEIGHTS = "weights.bin";
    public static final String OPTIMIZER = "optimizer.bin";
    public static final String MANIFEST = "manifest.properties";
    private static final String META_PREFIX = "meta.";
    private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);

    private Checkpoints() {}

    /** Saves weights and manifest; see {@link #save(Path, TransformerModel, AdamW, Map)}. */
    public static CheckpointManifest save(Path dir, TransformerModel model) {
        return save(dir, model, null, Map.of());
    }

    /**
     * Atomically writes {@code model} (and {@code optimizer}'s state when non-null) to {@code dir},
     * replacing an existing checkpoint there.
     *
     * @return the manifest written; its {@code weightsSha256} is what a trainer publishes
     */
    public static CheckpointManifest save(
            Path dir, TransformerModel model, AdamW optimizer, Map<String, String> metadata) {
        return save(dir, model, optimizer, metadata, false);
    }

    /**
     * As {@link #save(Path, TransformerModel, AdamW, Map)}; with {@code huggingFaceWeights} a Hugging
     * Face policy also gets {@code model.safetensors}, so the checkpoint is a complete Hugging Face folder.
     */
    public static CheckpointManifest save(
            Path dir,
            TransformerModel model,
            AdamW optimizer,
            Map<String, String> metadata,
            boolean huggingFaceWeights) {
        Path target = dir.toAbsolutePath().normalize();
        Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + UUID.randomUUID());
        try {
            Files.createDirectories(tmp);
            String weightsSha = writeHashed(tmp.resolve(WEIGHTS), model.parameters()::write);
            Optional<String> optimizerSha = Optional.empty();
            if (optimizer != null) {
                optimizerSha = Optional.of(writeHashed(tmp.resolve(OPTIMIZER), optimizer::write));
            }
            var manifest = new CheckpointManifest(
                    model.kind(),
                    model.config(),
                    model.tokenizer().id(),
                    weightsSha,
                    optimizerSha,
                    model.parameters().parameterCount(),
                    metadata);
            if (model.tokenizer() instanceof HfTokenizer && model instanceof CausalLm policy) {
                if (huggingFaceWeights) {
                    HuggingFace.export(policy, tmp);
                } else {
                    HuggingFace.exportConfigAndTokenizer(policy, tmp);
                }
            }
            writeManifest(tmp.resolve(MANIFEST), manifest);
            moveIntoPlace(tmp, target);
            LOG.info(
                    "saved {} checkpoint {} (sha256 {}, {} parameters{})",
                    model.kind(),
                    target,
                    weightsSha,
                    manifest.parameterCount(),
                    optimizer != null ? ", optimizer step " + optimizer.stepCount() : "");
            return manifest;
        } catch (IOException e) {
            deleteQuietly(tmp);
            throw new CheckpointException("could not write checkpoint " + target + ": " + e.getMessage(), e);
        }
    }

    private interface StreamWriter {
        void write(OutputStream out) throws IOException;
    }

    private static String writeHashed(Path file, StreamWriter writer) throws IOException {
        MessageDigest sha = sha256Digest();
        try (OutputStream out = new DigestOutputStream(new BufferedOutputStream(Files.newOutputStream(file)), sha)) {
            writer.write(out);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static void moveIntoPlace(Path tmp, Path target) throws IOException {
        Path old = null;
        if (Files.exists(target)) {
            old = target.resolveSibling("." + target.getFileName() + ".old-" + UUID.randomUUID());
            Files.move(target, old, StandardCopyOption.ATOMIC_MOVE);
        }
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        if (old != null) {
            deleteQuietly(old);
        }
    }

    private static void writeManifest(Path file, CheckpointManifest m) throws IOException {
        var p = new TreeMap<String, String>();
        p.put("format", "1");
        p.put("kind", m.kind());
        m.config().toProperties().forEach((k, v) -> p.put("config." + k, v));
        p.put("tokenizer", m.tokenizerId());
        p.put("weights.sha256", m.weightsSha256());
        m.optimizerSha256().ifPresent(s -> p.put("optimizer.sha256", s));
        p.put("parameters", Long.toString(m.parameterCount()));
        m.metadata().forEach((k, v) -> p.put(META_PREFIX + k, v));
        var props = new Properties();
        props.putAll(p);
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            props.store(w, "Prefstream checkpoint");
        }
    }

    /**
     * Reads and validates the manifest of the checkpoint in {@code dir}; for a Hugging Face model
     * folder without one, the manifest it implies (kind policy, its config and tokenizer, the sha256
     * of its safetensors).
     */
    public static CheckpointManifest readManifest(Path dir) {
        Path file = dir.resolve(MANIFEST);
        if (!Files.isRegularFile(file) && HuggingFace.isModelFolder(dir)) {
            try {
                LmConfig config = HfConfig.read(dir);
                long count = CausalLm.layout(config).values().stream()
                        .mapToLong(s -> s.size())
                        .sum();
                return new CheckpointManifest(
                        CausalLm.KIND,
                        config,
                        HfTokenizer.load(dir).id(),
                        HuggingFace.weightsSha256(dir),
                        Optional.empty(),
                        count,
                        Map.of());
            } catch (RuntimeException e) {
                throw new CheckpointException("invalid Hugging Face model folder " + dir + ": " + e.getMessage(), e);
            }
        }
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(
                    "no checkpoint at " + dir + ": expected file " + file
                            + " (a Prefstream checkpoint) or config.json + model.safetensors + tokenizer.json (a Hugging Face model folder)");
        }
        var props = new Properties();
        try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            props.load(r);
        } catch (IOException e) {
            throw new CheckpointException("could not read " + file + ": " + e.getMessage(), e);
        }
        var config = new LinkedHashMap<String, String>();
        var meta = new LinkedHashMap<String, String>();
        for (String key : props.stringPropertyNames()) {
            if (key.startsWith("config.")) {
                config.put(key.substring("config.".length()), props.getProperty(key));
            } else if (key.startsWith(META_PREFIX)) {
                meta.put(key.substring(META_PREFIX.length()), props.getProperty(key));
            }
        }
        try {
            return new CheckpointManifest(
                    required(props, file, "kind"),
                    LmConfig.fromProperties(config),
                    required(props, file, "tokenizer"),
                    required(props, file, "weights.sha256"),
                    Optional.ofNullable(props.getProperty("optimizer.sha256")),
                    Long.parseLong(required(props, file, "parameters")),
                    meta);
        } catch (IllegalArgumentException e) {
            throw new CheckpointException("invalid manifest " + file + ": " + e.getMessage(), e);
        }
    }

    private static String required(Properties props, Path file, String key) {
        String v = props.getProperty(key);
        if (v == null) {
            throw new CheckpointException("manifest " + file + " lacks key '" + key + "'");
        }
        return v;
    }

    /** Loads and verifies a policy checkpoint. */
    public static CausalLm loadPolicy(Path dir, Device device) {
        return loadPolicy(dir, device, null, null);
    }

    /**
     * Loads a policy checkpoint, verifying its hashes and layout, and additionally that its weights
     * hash equals {@code expectedSha256} (e.g. from a policy-update record) and its config equals
     * {@code expectedConfig}, when those are non-null.
     */
    public static CausalLm loadPolicy(Path dir, Device device, String expectedSha256, LmConfig expectedConfig) {
        var manifest = verifiedManifest(dir, CausalLm.KIND, expectedSha256, expectedConfig);
        if (!Files.isRegularFile(dir.resolve(MANIFEST))) {
            try {
                return HuggingFace.load(dir, device);
            } catch (RuntimeException e) {
                throw new CheckpointException(
                        "cannot load the Hugging Face model folder " + dir + ": " + e.getMessage(), e);
            }
        }
        var store = readWeights(dir, device);
        try {
            return new CausalLm(manifest.config(), tokenizer(dir, manifest), store);
        } catch (IllegalArgumentException e) {
            store.close();
            throw new CheckpointException(
                    "checkpoint " + dir + " does not match its manifest config " + manifest.config() + ": "
                            + e.getMessage(),
                    e);
        }
    }

    /** Loads and verifies a reward-model checkpoint. */
    public static RewardModel loadReward(Path dir, Device device) {
        var manifest = verifiedManifest(dir, RewardModel.KIND, null, null);
        var store = readWeights(dir, device);
        try {
            return new RewardModel(manifest.config(), tokenizer(dir, manifest), store);
        } catch (IllegalArgumentException e) {
            store.close();
            throw new CheckpointException(
                    "checkpoint " + dir + " does not match its manifest config " + manifest.config() + ": "
                            + e.getMessage(),
                    e);
        }
    }

    private static Tokenizer tokenizer(Path dir, CheckpointManifest manifest) {
        if (!manifest.tokenizerId().startsWith(HfTokenizer.PREFIX)) {
            return Tokenizers.fromId(manifest.tokenizerId());
        }
        HfTokenizer tokenizer = HfTokenizer.load(dir);
        if (!tokenizer.id().equals(manifest.tokenizerId())) {
            throw new CheckpointException("checkpoint " + dir + " names tokenizer " + manifest.tokenizerId()
                    + " but its tokenizer.json is " + tokenizer.id() + "; the checkpoint was modified");
        }
        return tokenizer;
    }

    /** Restores {@code optimizer} from the checkpoint's verified {@code optimizer.bin}. */
    public static void loadOptimizer(Path dir, AdamW optimizer) {
        var manifest = readManifest(dir);
        String expected = manifest.optimizerSha256()
                .orElseThrow(() -> new CheckpointException(
                        "checkpoint " + dir + " has no optimizer state; it was saved without an optimizer"));
        byte[] bytes = readVerified(dir.resolve(OPTIMIZER), expected);
        try (InputStream in = new ByteArrayInputStream(bytes)) {
            optimizer.read(in);
        } catch (IOException e) {
            throw new CheckpointException(
                    "optimizer state in " + dir + " does not fit this model: " + e.getMessage(), e);
        }
    }

    /** Checks the weights' sha256 without loading them; returns the manifest. */
    public static CheckpointManifest verify(Path dir, String expectedSha256) {
        var manifest = verifiedManifest(dir, null, expectedSha256, null);
        if (Files.isRegularFile(dir.resolve(MANIFEST))) {
            readVerified(dir.resolve(WEIGHTS), manifest.weightsSha256());
        }
        return manifest;
    }

    private static CheckpointManifest verifiedManifest(
            Path dir, String kind, String expectedSha, LmConfig expectedConfig) {
        var manifest = readManifest(dir);
        if (kind != null && !manifest.kind().equals(kind)) {
            throw new CheckpointException(
                    "checkpoint " + dir + " holds a '" + manifest.kind() + "' model, expected '" + kind + "'");
        }
        if (expectedSha != null && !expectedSha.equalsIgnoreCase(manifest.weightsSha256())) {
            throw new CheckpointException("checkpoint " + dir + " has weights sha256 " + manifest.weightsSha256()
                    + " but " + expectedSha + " was expected (published hash)");
        }
        if (expectedConfig != null && !expectedConfig.equals(manifest.config())) {
            throw new CheckpointException("checkpoint " + dir + " has config " + manifest.config() + " but "
                    + expectedConfig + " was expected");
        }
        return manifest;
    }

    private static ParameterStore readWeights(Path dir, Device device) {
        var manifest = readManifest(dir);
        byte[] bytes = readVerified(dir.resolve(WEIGHTS), manifest.weightsSha256());
        try (InputStream in = new BufferedInputStream(new ByteArrayInputStream(bytes))) {
            return ParameterStore.read(in, device);
        } catch (IOException e) {
            throw new CheckpointException("corrupt weights in " + dir + ": " + e.getMessage(), e);
        }
    }

    private static byte[] readVerified(Path file, String expectedSha) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CheckpointException("could not read " + file + ": " + e.getMessage(), e);
        }
        String actual = HexFormat.of().formatHex(sha256Digest().digest(bytes));
        if (!actual.equalsIgnoreCase(expectedSha)) {
            throw new CheckpointException("sha256 mismatch for " + file + ": manifest says " + expectedSha
                    + ", file has " + actual + "; the checkpoint is corrupt or was modified");
        }
        return bytes;
    }

    /** Hex sha256 of a file. */
    public static String sha256(Path file) {
        try {
            return HexFormat.of().formatHex(sha256Digest().digest(Files.readAllBytes(file)));
        } catch (IOException e) {
            throw new CheckpointException("could not read " + file + ": " + e.getMessage(), e);
        }
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM lacks SHA-256", e);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.delete(p);
                } catch (IOException e) {
                    LOG.warn("could not delete {}: {}", p, e.getMessage());
                }
            });
        } catch (IOException e) {
            LOG.warn("could not delete {}: {}", dir, e.getMessage());
        }
    }
}

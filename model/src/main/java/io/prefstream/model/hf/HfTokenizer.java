package io.prefstream.model.hf;

import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prefstream.model.tokenizer.Tokenizer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face {@code tokenizer.json} through DJL's tokenizers binding (the Rust library
 * transformers' fast tokenizers use), with the special ids of the model folder.
 *
 * <ul>
 *   <li>BOS: the id the tokenizer's post-processor puts before a single sequence
 *       ({@code add_special_tokens=True}), or none (−1) when it adds nothing in front;</li>
 *   <li>EOS: {@code eos_token_id} (an id or a list) of {@code generation_config.json}, else of
 *       {@code config.json}; ids outside the vocabulary are ignored with a warning;</li>
 *   <li>PAD: {@code pad_token_id} when set, else EOS, else 0 (only a filler: pads are masked).</li>
 * </ul>
 * The policy never emits a dedicated BOS or PAD (one that is not also an EOS).
 *
 * <p>The folder's tokenizer files are kept in memory ({@link #files()}), so a checkpoint or an
 * export can write them out again unchanged. {@link #id()} is {@code hf:} + the first 16 hex digits
 * of the sha256 of {@code tokenizer.json}.
 */
public final class HfTokenizer implements Tokenizer {

    public static final String PREFIX = "hf:";
    public static final String TOKENIZER_JSON = "tokenizer.json";
    /** Files of a model folder that belong to the tokenizer and travel with it. */
    public static final List<String> FILES = List.of(
            TOKENIZER_JSON,
            "tokenizer_config.json",
            "special_tokens_map.json",
            "generation_config.json",
            "chat_template.jinja");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(HfTokenizer.class);

    private final HuggingFaceTokenizer tokenizer;
    private final Map<String, byte[]> files;
    private final String id;
    private final int vocabSize;
    private final int bos;
    private final int[] eos;
    private final int pad;
    private final int[] suppressed;
    private final java.nio.file.Path folder;
    private volatile java.util.Optional<io.prefstream.model.chat.ChatTemplate> chatTemplate;

    private HfTokenizer(Map<String, byte[]> files, JsonNode modelConfig, String where) {
        this.files = Map.copyOf(files);
        byte[] json = files.get(TOKENIZER_JSON);
        if (json == null) {
            throw new IllegalArgumentException("no " + TOKENIZER_JSON + " in " + where
                    + "; a Hugging Face model folder needs the fast-tokenizer file tokenizer.json");
        }
        this.id = PREFIX + HexFormat.of().formatHex(sha256(json)).substring(0, 16);
        try {
            this.tokenizer = HuggingFaceTokenizer.newInstance(
                    new ByteArrayInputStream(json),
                    Map.of("addSpecialTokens", "false", "truncation", "false", "padding", "false"));
            this.vocabSize = vocabSizeOf(JSON.readTree(json));
        } catch (IOException | RuntimeException e) {
            throw new IllegalArgumentException(
                    "cannot load " + TOKENIZER_JSON + " of " + where + ": " + e.getMessage(), e);
        }
        JsonNode generation = parse(files.get("generation_config.json"), where);
        int[] eosIds = ids(generation, "eos_token_id");
        if (eosIds.length == 0) {
            eosIds = ids(modelConfig, "eos_token_id");
        }
        int[] inVocab =
                Arrays.stream(eosIds).filter(i -> i >= 0 && i < vocabSize).toArray();
        if (inVocab.length < eosIds.length) {
            LOG.warn(
                    "{}: eos_token_id {} lies outside the tokenizer's {} ids; ignored",
                    where,
                    Arrays.toString(eosIds),
                    vocabSize);
        }
        this.eos = inVocab;
        int[] padIds = ids(generation, "pad_token_id");
        if (padIds.length == 0) {
            padIds = ids(modelConfig, "pad_token_id");
        }
        int dedicatedPad = padIds.length > 0 && padIds[0] >= 0 && padIds[0] < vocabSize ? padIds[0] : -1;
        this.pad = dedicatedPad >= 0 ? dedicatedPad : eos.length > 0 ? eos[0] : 0;
        this.bos = detectBos();
        this.suppressed = java.util.stream.IntStream.of(bos, dedicatedPad)
                .filter(i -> i >= 0 && !isEos(i))
                .distinct()
                .toArray();
        java.nio.file.Path dir;
        try {
            dir = java.nio.file.Path.of(where);
        } catch (java.nio.file.InvalidPathException e) {
            dir = java.nio.file.Path.of(".");
        }
        this.folder = dir;
    }

    /**
     * Loads the tokenizer files of the model folder {@code dir}; special ids from its configs.
     * Equal files give the same (immutable, shared) instance, so reloading a policy version does
     * not allocate another native tokenizer.
     */
    public static HfTokenizer load(Path dir) {
        var files = new LinkedHashMap<String, byte[]>();
        for (String name : FILES) {
            Path f = dir.resolve(name);
            if (Files.isRegularFile(f)) {
                try {
                    files.put(name, Files.readAllBytes(f));
                } catch (IOException e) {
                    throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
                }
            }
        }
        JsonNode config = null;
        Path configFile = dir.resolve("config.json");
        if (Files.isRegularFile(configFile)) {
            try {
                config = JSON.readTree(configFile.toFile());
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot parse " + configFile + ": " + e.getMessage(), e);
            }
        }
        return cached(files, config, dir.toString());
    }

    /** A tokenizer from in-memory files (e.g. a tokenizer.json this project writes). */
    public static HfTokenizer of(Map<String, byte[]> files, String where) {
        return cached(files, null, where);
    }

    private static final Map<String, HfTokenizer> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    private static HfTokenizer cached(Map<String, byte[]> files, JsonNode config, String where) {
        var digest = new StringBuilder();
        files.entrySet().stream()
                .sorted(Map.Entry.comparingByKey())
                .forEach(e -> digest.append(e.getKey())
                        .append('=')
                        .append(HexFormat.of().formatHex(sha256(e.getValue())))
                        .append(';'));
        if (config != null) {
            digest.append(config.path("eos_token_id")).append(config.path("pad_token_id"));
        }
        HfTokenizer existing = CACHE.get(digest.toString());
        if (existing != null) {
            return existing;
        }
        var created = new HfTokenizer(files, config, where);
        HfTokenizer raced = CACHE.putIfAbsent(digest.toString(), created);
        if (raced != null) {
            created.tokenizer.close();
            return raced;
        }
        return created;
    }

    private int detectBos() {
        long[] with = tokenizer.encode("a", true, false).getIds();
        long[] without = tokenizer.encode("a", false, false).getIds();
        boolean prepends =
                with.length > without.length && Arrays.equals(Arrays.copyOfRange(with, 1, 1 + without.length), without);
        return prepends ? (int) with[0] : -1;
    }

    private static int vocabSizeOf(JsonNode json) {
        int max = -1;
        JsonNode vocab = json.path("model").path("vocab");
        if (vocab.isObject()) {
            for (var it = vocab.elements(); it.hasNext(); ) {
                max = Math.max(max, it.next().asInt());
            }
        } else if (vocab.isArray()) {
            max = vocab.size() - 1;
        }
        for (JsonNode t : json.path("added_tokens")) {
            max = Math.max(max, t.path("id").asInt());
        }
        if (max < 0) {
            throw new IllegalArgumentException(
                    "tokenizer.json has no vocabulary (model.vocab and added_tokens are empty)");
        }
        return max + 1;
    }

    private static JsonNode parse(byte[] bytes, String where) {
        if (bytes == null) {
            return null;
        }
        try {
            return JSON.readTree(bytes);
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot parse generation_config.json of " + where + ": " + e.getMessage(), e);
        }
    }

    private static int[] ids(JsonNode node, String key) {
        if (node == null || !node.hasNonNull(key)) {
            return new int[0];
        }
        JsonNode v = node.get(key);
        if (v.isArray()) {
            int[] out = new int[v.size()];
            for (int i = 0; i < out.length; i++) {
                out[i] = v.get(i).asInt();
            }
            return out;
        }
        return new int[] {v.asInt()};
    }

    /** The tokenizer's files by name (tokenizer.json, and the configs that were present). */
    public Map<String, byte[]> files() {
        return files;
    }

    /**
     * The folder's chat template ({@code tokenizer_config.json} or {@code chat_template.jinja}), if any,
     * parsed on first use: a template the Jinja engine rejects fails chat prompts (with the reason),
     * not the loading of a model that is given plain text.
     *
     * @throws IllegalArgumentException when the template does not parse
     */
    public java.util.Optional<io.prefstream.model.chat.ChatTemplate> chatTemplate() {
        var template = chatTemplate;
        if (template == null) {
            var text = new LinkedHashMap<String, String>();
            files.forEach((name, bytes) -> text.put(name, utf8(bytes)));
            template = io.prefstream.model.chat.ChatTemplate.fromFiles(text, folder);
            chatTemplate = template;
        }
        return template;
    }

    /** All EOS ids. */
    public int[] eosIds() {
        return eos.clone();
    }

    @Override
    public String id() {
        return id;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int bos() {
        return bos;
    }

    @Override
    public int eos() {
        if (eos.length == 0) {
            throw new IllegalStateException("tokenizer " + id + " has no EOS id in its vocabulary; set eos_token_id"
                    + " in the model folder's generation_config.json");
        }
        return eos[0];
    }

    @Override
    public boolean isEos(int token) {
        for (int e : eos) {
            if (e == token) {
                return true;
            }
        }
        return false;
    }

    @Override
    public int pad() {
        return pad;
    }

    @Override
    public int[] suppressed() {
        return suppressed.clone();
    }

    @Override
    public boolean reservedInPrompt(int token) {
        for (int s : suppressed) {
            if (s == token) {
                return true;
            }
        }
        return false;
    }

    @Override
    public int[] encode(String text) {
        return Arrays.stream(tokenizer.encode(text, false, false).getIds())
                .mapToInt(Math::toIntExact)
                .toArray();
    }

    @Override
    public String decode(int[] ids) {
        for (int t : ids) {
            if (t < 0 || t >= vocabSize) {
                throw new IllegalArgumentException("token id " + t + " outside vocabulary [0, " + vocabSize + ")");
            }
        }
        return tokenizer.decode(Arrays.stream(ids).asLongStream().toArray(), false);
    }

    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JVM lacks SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return id + " (" + vocabSize + " ids, bos " + bos + ", eos " + Arrays.toString(eos) + ", pad " + pad + ")";
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}

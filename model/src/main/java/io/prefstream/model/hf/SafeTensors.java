package io.prefstream.model.hf;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes the safetensors format: an 8-byte little-endian header length, a JSON header
 * ({@code name → {dtype, shape, data_offsets}}, optional {@code __metadata__}), then the raw data.
 *
 * <p>Every tensor is returned as float32. F32 and F16 files go through DJL's own decoder
 * ({@link NDList#decode}); BF16 is converted here, because DJL 0.34's PyTorch engine terminates the
 * JVM when it creates a BF16 array on CPU (also inside {@code NDList.decode}): a float32's bits are
 * the bf16 bits shifted left by 16, exactly. Sharded checkpoints are read through their
 * {@code model.safetensors.index.json} ({@code weight_map: name → shard file}).
 */
public final class SafeTensors {

    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_HEADER = 100L << 20;

    private SafeTensors() {}

    /** One tensor as float32 values in row-major order. */
    public record Tensor(Shape shape, float[] values) {}

    /** Whether {@code dir} holds {@code model.safetensors} or a sharded index. */
    public static boolean present(Path dir) {
        return Files.isRegularFile(dir.resolve(SINGLE)) || Files.isRegularFile(dir.resolve(INDEX));
    }

    /** All tensors of the model folder {@code dir} (single file or sharded), as float32. */
    public static Map<String, Tensor> readModel(Path dir, NDManager manager) throws IOException {
        if (Files.isRegularFile(dir.resolve(INDEX))) {
            JsonNode index = JSON.readTree(dir.resolve(INDEX).toFile());
            JsonNode map = index.get("weight_map");
            if (map == null || !map.isObject()) {
                throw new IOException(
                        dir.resolve(INDEX) + " has no 'weight_map' object mapping tensor names to shard files");
            }
            var shards = new LinkedHashSet<String>();
            map.fields().forEachRemaining(e -> shards.add(e.getValue().asText()));
            var out = new LinkedHashMap<String, Tensor>();
            for (String shard : shards) {
                Path file = dir.resolve(shard).normalize();
                if (!file.startsWith(dir.normalize())) {
                    throw new IOException(dir.resolve(INDEX) + " names shard '" + shard + "' outside the model folder");
                }
                if (!Files.isRegularFile(file)) {
                    throw new IOException(
                            dir.resolve(INDEX) + " names shard '" + shard + "', but " + file + " does not exist");
                }
                out.putAll(read(file, manager));
            }
            return out;
        }
        Path file = dir.resolve(SINGLE);
        if (!Files.isRegularFile(file)) {
            throw new IOException("no weights in " + dir + ": expected " + SINGLE + " or " + INDEX);
        }
        return read(file, manager);
    }

    /** The tensors of one safetensors file, as float32; {@code manager} holds DJL's temporaries only. */
    public static Map<String, Tensor> read(Path file, NDManager manager) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        Map<String, Entry> header = header(bytes, file);
        boolean needsJava = header.values().stream()
                .anyMatch(e -> !e.dtype().equals("F32") && !e.dtype().equals("F16"));
        var out = new LinkedHashMap<String, Tensor>();
        if (needsJava) {
            long dataStart = 8 + headerLength(bytes, file);
            for (var e : header.entrySet()) {
                out.put(e.getKey(), convert(e.getKey(), e.getValue(), bytes, dataStart, file));
            }
            return out;
        }
        try (NDManager scope = manager.newSubManager();
                NDList list = NDList.decode(scope, bytes)) {
            for (NDArray a : list) {
                try (NDArray f = a.toType(DataType.FLOAT32, true)) {
                    out.put(a.getName(), new Tensor(a.getShape(), f.toFloatArray()));
                }
            }
        }
        if (!out.keySet().equals(header.keySet())) {
            throw new IOException("DJL decoded tensors " + out.keySet() + " from " + file + " but its header lists "
                    + header.keySet());
        }
        return out;
    }

    private record Entry(String dtype, long[] shape, long begin, long end) {}

    private static long headerLength(byte[] bytes, Path file) throws IOException {
        if (bytes.length < 8) {
            throw new IOException(file + " is not a safetensors file: " + bytes.length
                    + " bytes, expected an 8-byte header length first");
        }
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        if (n <= 0 || n > MAX_HEADER || 8 + n > bytes.length) {
            throw new IOException(file + " is not a safetensors file: header length " + n + " in a file of "
                    + bytes.length + " bytes");
        }
        return n;
    }

    private static Map<String, Entry> header(byte[] bytes, Path file) throws IOException {
        long n = headerLength(bytes, file);
        JsonNode root = JSON.readTree(new String(bytes, 8, (int) n, StandardCharsets.UTF_8));
        var out = new LinkedHashMap<String, Entry>();
        var it = root.fields();
        while (it.hasNext()) {
            var e = it.next();
            if (e.getKey().equals("__metadata__")) {
                continue;
            }
            JsonNode t = e.getValue();
            JsonNode shape = t.get("shape");
            JsonNode offsets = t.get("data_offsets");
            if (t.get("dtype") == null || shape == null || offsets == null || offsets.size() != 2) {
                throw new IOException(file + ": tensor '" + e.getKey() + "' lacks dtype, shape or data_offsets");
            }
            long[] dims = new long[shape.size()];
            for (int i = 0; i < dims.length; i++) {
                dims[i] = shape.get(i).asLong();
            }
            out.put(
                    e.getKey(),
                    new Entry(
                            t.get("dtype").asText(),
                            dims,
                            offsets.get(0).asLong(),
                            offsets.get(1).asLong()));
        }
        return out;
    }

    private static Tensor convert(String name, Entry e, byte[] bytes, long dataStart, Path file) throws IOException {
        var shape = new Shape(e.shape());
        int count = Math.toIntExact(shape.size());
        int width = switch (e.dtype()) {
            case "F32" -> 4;
            case "F16", "BF16" -> 2;
            default ->
                throw new IOException(file + ": tensor '" + name + "' has dtype " + e.dtype()
                        + "; supported stored dtypes are F32, F16 and BF16");
        };
        long begin = dataStart + e.begin();
        if (e.end() - e.begin() != (long) count * width || dataStart + e.end() > bytes.length) {
            throw new IOException(file + ": tensor '" + name + "' of shape " + shape + " and dtype " + e.dtype()
                    + " has data_offsets [" + e.begin() + ", " + e.end() + ") that do not match its size");
        }
        var buf = ByteBuffer.wrap(bytes, (int) begin, count * width).order(ByteOrder.LITTLE_ENDIAN);
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = switch (e.dtype()) {
                case "F32" -> buf.getFloat();
                case "BF16" -> Float.intBitsToFloat((buf.getShort() & 0xFFFF) << 16);
                default -> halfToFloat(buf.getShort());
            };
        }
        return new Tensor(shape, values);
    }

    /**
     * Writes {@code tensors} (name → array, any device) as one F32 safetensors file with
     * {@code metadata {"format": "pt"}}, which transformers expects.
     */
    public static void write(Path file, Map<String, NDArray> tensors) throws IOException {
        var header = new LinkedHashMap<String, Object>();
        header.put("__metadata__", Map.of("format", "pt"));
        long offset = 0;
        var data = new LinkedHashMap<String, float[]>();
        for (var e : tensors.entrySet()) {
            float[] values = e.getValue().toType(DataType.FLOAT32, false).toFloatArray();
            long size = (long) values.length * 4;
            header.put(
                    e.getKey(),
                    Map.of(
                            "dtype",
                            "F32",
                            "shape",
                            e.getValue().getShape().getShape(),
                            "data_offsets",
                            List.of(offset, offset + size)));
            data.put(e.getKey(), values);
            offset += size;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        int padded = (json.length + 7) / 8 * 8;
        byte[] head = new byte[padded];
        java.util.Arrays.fill(head, (byte) ' ');
        System.arraycopy(json, 0, head, 0, json.length);
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file))) {
            out.write(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(padded)
                    .array());
            out.write(head);
            for (float[] values : data.values()) {
                var buf = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
                buf.asFloatBuffer().put(values);
                out.write(buf.array());
            }
        }
    }

    /** IEEE 754 binary16 → float32 (exact). */
    static float halfToFloat(short h) {
        int bits = h & 0xFFFF;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1F;
        int mant = bits & 0x3FF;
        if (exp == 0) {
            float v = mant * 0x1p-24f;
            return sign != 0 ? -v : v;
        }
        if (exp == 31) {
            return Float.intBitsToFloat(sign | 0x7F800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** float32 → binary16 for values that binary16 represents exactly (normal range or zero); throws otherwise. */
    static short floatToHalf(float v) {
        int bits = Float.floatToRawIntBits(v);
        int sign = (bits >>> 16) & 0x8000;
        int exp = ((bits >>> 23) & 0xFF) - 112;
        short h = (bits & 0x7FFFFFFF) == 0 ? (short) sign : (short) (sign | (exp << 10) | ((bits >>> 13) & 0x3FF));
        if (exp <= 0 && (bits & 0x7FFFFFFF) != 0 || exp >= 31 || halfToFloat(h) != v) {
            throw new IllegalArgumentException(v + " is not exactly representable as a normal float16");
        }
        return h;
    }

    /**
     * Writes {@code tensors} with the given stored dtype ({@code F32}, {@code F16} or {@code BF16}),
     * for tests and tools: F16 values must be exactly representable; BF16 keeps the upper 16 bits.
     */
    public static void write(Path file, Map<String, Tensor> tensors, String dtype) throws IOException {
        int width = dtype.equals("F32") ? 4 : 2;
        if (!dtype.equals("F32") && !dtype.equals("F16") && !dtype.equals("BF16")) {
            throw new IllegalArgumentException("dtype must be F32, F16 or BF16, found " + dtype);
        }
        var header = new LinkedHashMap<String, Object>();
        header.put("__metadata__", Map.of("format", "pt"));
        long offset = 0;
        for (var e : tensors.entrySet()) {
            long size = (long) e.getValue().values().length * width;
            header.put(
                    e.getKey(),
                    Map.of(
                            "dtype",
                            dtype,
                            "shape",
                            e.getValue().shape().getShape(),
                            "data_offsets",
                            List.of(offset, offset + size)));
            offset += size;
        }
        byte[] json = JSON.writeValueAsBytes(header);
        try (OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file))) {
            out.write(ByteBuffer.allocate(8)
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .putLong(json.length)
                    .array());
            out.write(json);
            for (Tensor t : tensors.values()) {
                var buf = ByteBuffer.allocate(t.values().length * width).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : t.values()) {
                    switch (dtype) {
                        case "F32" -> buf.putFloat(v);
                        case "F16" -> buf.putShort(floatToHalf(v));
                        default -> buf.putShort((short) (Float.floatToRawIntBits(v) >>> 16));
                    }
                }
                out.write(buf.array());
            }
        }
    }
}

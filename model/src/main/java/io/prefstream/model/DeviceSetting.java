package io.prefstream.model;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.Arrays;
import java.util.Locale;

/**
 * Where models run: {@code auto} picks the first GPU when the engine sees one
 * ({@code Engine.getGpuCount() > 0}), else the CPU; {@code cpu} and {@code gpu} force the choice
 * ({@code gpu} fails when no GPU is visible).
 */
public enum DeviceSetting {
    AUTO,
    CPU,
    GPU;

    /** Parses {@code auto|cpu|gpu}, case-insensitively. */
    public static DeviceSetting parse(String value) {
        try {
            return valueOf(value.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("device must be one of auto|cpu|gpu, found '" + value + "'", e);
        }
    }

    /** The DJL device this setting selects on this machine. */
    public Device resolve() {
        int gpus = Engine.getEngine("PyTorch").getGpuCount();
        return switch (this) {
            case AUTO -> gpus > 0 ? Device.gpu() : Device.cpu();
            case CPU -> Device.cpu();
            case GPU -> {
                if (gpus == 0) {
                    throw new IllegalStateException("device 'gpu' requested but the PyTorch engine sees no GPU; "
                            + "use --device cpu or auto, or install CUDA natives (mvn -Pgpu)");
                }
                yield Device.gpu();
            }
        };
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The accepted values, for help texts. */
    public static String choices() {
        return Arrays.toString(values());
    }
}

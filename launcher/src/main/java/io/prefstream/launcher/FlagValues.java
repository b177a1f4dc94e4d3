package io.prefstream.launcher;

import io.prefstream.model.DeviceSetting;
import io.prefstream.tasks.Task;
import io.prefstream.tasks.Tasks;

/**
 * Values of flags that other modules parse ({@code --task}, {@code --device}): their errors become
 * {@link UsageException}s naming the flag the user typed.
 */
final class FlagValues {

    private FlagValues() {}

    /** The task named by {@code --task}. */
    static Task task(String name) {
        try {
            return Tasks.byName(name);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--task: " + e.getMessage(), e);
        }
    }

    /** The device named by {@code --device}. */
    static DeviceSetting device(String value) {
        try {
            return DeviceSetting.parse(value);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--device: expected auto, cpu or gpu, found '" + value + "'", e);
        }
    }
}

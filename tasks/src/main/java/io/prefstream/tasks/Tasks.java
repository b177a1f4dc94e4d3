package io.prefstream.tasks;

import java.util.List;
import java.util.ServiceLoader;

/** Finds {@link Task}s registered through {@link ServiceLoader} by name. */
public final class Tasks {

    private Tasks() {}

    /** All registered tasks, sorted by name. */
    public static List<Task> all() {
        return ServiceLoader.load(Task.class, Tasks.class.getClassLoader()).stream()
                .map(ServiceLoader.Provider::get)
                .sorted((a, b) -> a.name().compareTo(b.name()))
                .toList();
    }

    /** Names of all registered tasks, sorted. */
    public static List<String> names() {
        return all().stream().map(Task::name).toList();
    }

    /**
     * The task called {@code name}.
     *
     * @throws IllegalArgumentException naming the known tasks when none is called {@code name}
     */
    public static Task byName(String name) {
        return all().stream()
                .filter(t -> t.name().equals(name))
                .findFirst()
                .orElseThrow(
                        () -> new IllegalArgumentException("unknown task '" + name + "'; known tasks: " + names()));
    }
}

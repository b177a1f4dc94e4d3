package io.prefstream.model.nn;

import ai.djl.ndarray.types.Shape;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/** Receives a model's parameter declarations: a {@link ParameterStore} allocates them, a {@link Layout} records shapes. */
public interface ParameterInit {

    /** Declares a tensor drawn from N(0, std²). */
    void addNormal(String name, Shape shape, double std, SplittableRandom rng);

    /** Declares a tensor filled with {@code value}. */
    void addConstant(String name, Shape shape, float value);

    /** Records names and shapes without allocating tensors. */
    final class Layout implements ParameterInit {
        private final Map<String, Shape> shapes = new LinkedHashMap<>();

        @Override
        public void addNormal(String name, Shape shape, double std, SplittableRandom rng) {
            shapes.put(name, shape);
        }

        @Override
        public void addConstant(String name, Shape shape, float value) {
            shapes.put(name, shape);
        }

        /** name → shape, in declaration order. */
        public Map<String, Shape> shapes() {
            return shapes;
        }
    }
}

package io.prefstream.model.lm;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.prefstream.model.lm.Sampler.Decoding;
import io.prefstream.model.nn.KvCache;
import io.prefstream.model.nn.NoGrad;
import java.util.Arrays;

/**
 * Greedy decoding of one prompt: {@code y_t = argmax_v z_t(v)} over the raw logits (no suppressed
 * ids, no temperature), as transformers' {@code generate(do_sample=False)} does. Stops after
 * {@code maxNewTokens} or at an EOS (included in the result).
 *
 * <p>Dimensions: T fed positions, V vocabulary.
 */
public final class Greedy {

    private Greedy() {}

    /** The greedy continuation of {@code prompt} (ids as the model takes them, BOS included if any). */
    public static int[] continuation(CausalLm lm, int[] prompt, int maxNewTokens, Decoding decoding) {
        if (prompt.length == 0) {
            throw new IllegalArgumentException("greedy decoding needs a prompt of at least one token, found none");
        }
        if (prompt.length + maxNewTokens - 1 > lm.config().maxSeqLen()) {
            throw new IllegalArgumentException("prompt (" + prompt.length + " tokens) + " + maxNewTokens
                    + " new tokens needs " + (prompt.length + maxNewTokens - 1) + " positions, more than the model's "
                    + lm.config().maxSeqLen());
        }
        int[] seq = Arrays.copyOf(prompt, prompt.length + maxNewTokens);
        int len = prompt.length;
        int out = 0;
        try (NoGrad ignored = NoGrad.enter();
                NDManager scope = NDManager.newBaseManager(lm.device(), "PyTorch");
                KvCache cache =
                        decoding == Decoding.KV_CACHE ? new KvCache(lm.config().nLayers(), lm.device()) : null) {
            int fed = 0;
            while (out < maxNewTokens) {
                int from = cache == null ? 0 : fed;
                long[] tok = new long[len - from];
                long[] pos = new long[len - from];
                for (int i = from; i < len; i++) {
                    tok[i - from] = seq[i];
                    pos[i - from] = i;
                }
                float[] mask = new float[len];
                Arrays.fill(mask, 1f);
                int next;
                try (NDManager step = scope.newSubManager()) {
                    NDArray logits = lm.logits(
                            step.create(tok, new Shape(1, tok.length)),
                            step.create(pos, new Shape(1, pos.length)),
                            step.create(mask, new Shape(1, len)),
                            cache); // (1, T, V)
                    next = (int) logits.get("0, -1, :").argMax().getLong();
                }
                fed = len;
                seq[len++] = next;
                out++;
                if (lm.tokenizer().isEos(next)) {
                    break;
                }
            }
        }
        return Arrays.copyOfRange(seq, prompt.length, len);
    }
}

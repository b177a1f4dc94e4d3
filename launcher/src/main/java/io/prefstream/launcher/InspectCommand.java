package io.prefstream.launcher;

import ai.djl.Device;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.lm.CausalLm;
import io.prefstream.model.lm.Greedy;
import io.prefstream.model.lm.Sampler;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code prefstream inspect}: what a user runs first on a model folder. Prints the family and size,
 * the token ids of the text (as the model takes a prompt: the tokenizer's special tokens included),
 * each next-token log-prob {@code log softmax(z_t)[x_{t+1}]} teacher-forced (raw logits, as
 * transformers computes them), and the greedy continuation.
 */
@Command(
        name = "inspect",
        mixinStandardHelpOptions = true,
        showDefaultValues = true,
        header = "Show a model folder's family, size, token ids and log-probs of a text.",
        description = {
            "Load a Hugging Face model folder (or a Prefstream checkpoint) and show its family and size,",
            "the token ids of --text, every next-token log-prob of the text (teacher-forced) and the greedy",
            "continuation of --greedy tokens. With --json the last line is one JSON object with keys",
            "model_type, parameters, token_ids, next_token_logprobs, greedy_ids, greedy_text."
        })
public final class InspectCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(
            names = "--policy",
            required = true,
            paramLabel = "DIR",
            description = "Hugging Face model folder (config.json, model.safetensors, tokenizer.json) or checkpoint.")
    Path policy;

    @Option(names = "--text", required = true, paramLabel = "T", description = "Text to tokenize and score.")
    String text;

    @Option(
            names = "--greedy",
            paramLabel = "N",
            defaultValue = "16",
            description = "Greedy continuation length in tokens (0 = none); stops early at EOS.")
    int greedy;

    @Option(names = "--device", defaultValue = "auto", description = "auto|cpu|gpu.")
    String device;

    @Option(names = "--json", description = "Print one JSON object as the last line.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        if (greedy < 0) {
            throw new UsageException("--greedy must be >= 0, found " + greedy);
        }
        Path dir = PolicyOption.requireFolder(policy, "--policy");
        Device dev = FlagValues.device(device).resolve();
        PrintWriter out = spec.commandLine().getOut();
        try (CausalLm lm = Checkpoints.loadPolicy(dir, dev)) {
            var c = lm.config();
            int[] ids = lm.tokenizer().encodePrompt(text);
            if (ids.length == 0) {
                throw new UsageException("--text '" + text + "' encodes to no tokens");
            }
            if (ids.length + Math.max(greedy, 1) - 1 > c.maxSeqLen()) {
                throw new UsageException("--text has " + ids.length + " tokens; with --greedy " + greedy
                        + " that needs " + (ids.length + Math.max(greedy, 1) - 1) + " positions, more than the model's "
                        + c.maxSeqLen());
            }
            double[] logprobs = nextTokenLogProbs(lm, ids);
            int[] continuation =
                    greedy == 0 ? new int[0] : Greedy.continuation(lm, ids, greedy, Sampler.Decoding.KV_CACHE);
            String continuationText = lm.tokenizer().decode(continuation);
            long parameters = lm.parameters().parameterCount();
            out.printf(
                    Locale.ROOT,
                    "model        %s, %,d parameters: %d layers, width %d, %d heads (%d key/value, head %d), "
                            + "MLP %d, vocabulary %d, %d positions%s%n",
                    c.family().id(),
                    parameters,
                    c.nLayers(),
                    c.dModel(),
                    c.nHeads(),
                    c.nKvHeads(),
                    c.headDim(),
                    c.dFf(),
                    c.vocabSize(),
                    c.maxSeqLen(),
                    c.family().rotary() ? String.format(Locale.ROOT, ", RoPE θ %.0f", c.ropeTheta()) : "");
            out.printf(
                    Locale.ROOT,
                    "tokenizer    %s (bos %d, eos %s, pad %d)%n",
                    lm.tokenizer().id(),
                    lm.tokenizer().bos(),
                    eos(lm),
                    lm.tokenizer().pad());
            out.printf(Locale.ROOT, "token ids    %s (%d tokens)%n", Arrays.toString(ids), ids.length);
            double sum = 0;
            for (int t = 0; t < logprobs.length; t++) {
                out.printf(
                        Locale.ROOT,
                        "  %4d %-20s log p = %9.4f%n",
                        ids[t + 1],
                        "'" + lm.tokenizer().decode(new int[] {ids[t + 1]}) + "'",
                        logprobs[t]);
                sum += logprobs[t];
            }
            out.printf(Locale.ROOT, "sum          %.4f over %d predicted tokens%n", sum, logprobs.length);
            if (greedy > 0) {
                out.printf(
                        Locale.ROOT,
                        "greedy       %s%n             %s%n",
                        Arrays.toString(continuation),
                        continuationText);
            }
            if (json) {
                var o = new LinkedHashMap<String, Object>();
                o.put("model_type", c.family().id());
                o.put("parameters", parameters);
                o.put("token_ids", ids);
                o.put("next_token_logprobs", logprobs);
                o.put("greedy_ids", continuation);
                o.put("greedy_text", continuationText);
                out.println(new ObjectMapper().writeValueAsString(o));
            }
            out.flush();
        }
        return 0;
    }

    private static String eos(CausalLm lm) {
        if (lm.tokenizer() instanceof io.prefstream.model.hf.HfTokenizer hf) {
            return Arrays.toString(hf.eosIds());
        }
        return Integer.toString(lm.tokenizer().eos());
    }

    /** {@code log softmax(z_t)[ids[t+1]]} for t = 0..T−2 from one full forward pass. */
    static double[] nextTokenLogProbs(CausalLm lm, int[] ids) {
        float[] logits = lm.sequenceLogits(ids); // (T, V)
        int v = lm.config().vocabSize();
        double[] out = new double[ids.length - 1];
        for (int t = 0; t < out.length; t++) {
            double max = Double.NEGATIVE_INFINITY;
            for (int i = 0; i < v; i++) {
                max = Math.max(max, logits[t * v + i]);
            }
            double sum = 0;
            for (int i = 0; i < v; i++) {
                sum += Math.exp(logits[t * v + i] - max);
            }
            out[t] = logits[t * v + ids[t + 1]] - max - Math.log(sum);
        }
        return out;
    }
}

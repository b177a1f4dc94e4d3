package io.prefstream.launcher;

import ai.djl.Device;
import io.prefstream.launcher.reference.*;
import io.prefstream.model.LmConfig;
import io.prefstream.model.checkpoint.Checkpoints;
import io.prefstream.model.eval.PolicyEvaluator;
import io.prefstream.model.train.SftOptions;
import io.prefstream.model.tokenizer.Tokenizers;
import io.prefstream.tasks.Tasks;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ScratchTimingTest {
    @Test
    void time() {
        var task = Tasks.byName("arithmetic");
        int vocab = Tokenizers.forSpec(task.tokenizerSpec()).vocabSize();
        for (String which : System.getProperty("scratch.which", "tiny,default").split(",")) {
            int steps = Integer.getInteger("scratch.steps." + which, 300);
            var model = which.equals("tiny") ? LmConfig.tiny(vocab) : LmConfig.arithmetic(vocab);
            var sft = SftOptions.defaults().withSteps(steps);
            var spec = new ReferenceSpec(task, model, sft, 20000, 0);
            long t0 = System.nanoTime();
            var prepared = ReferencePolicies.prepare(spec, Path.of("/tmp/scratch/cache"), Device.cpu(),
                    (s, n, loss, lr, el) -> { if (s % 100 == 0) System.out.println(which + " sft " + s + "/" + n + " loss " + loss + " t=" + el / 1e9); });
            System.out.println(which + " prepare s=" + (System.nanoTime() - t0) / 1e9 + " " + prepared);
            try (var lm = Checkpoints.loadPolicy(prepared.checkpoint(), Device.cpu())) {
                long t1 = System.nanoTime();
                var r = new PolicyEvaluator(task).evaluate(lm, lm, new PolicyEvaluator.Options(500, 1.0, 0));
                System.out.println(which + " eval s=" + (System.nanoTime() - t1) / 1e9 + " " + r.toJson());
                long t2 = System.nanoTime();
                var pairs = OfflinePreferenceSet.build(task, lm, new OfflinePreferenceSet.Options(2000, 4, 1));
                System.out.println(which + " offline pairs " + pairs.size() + " s=" + (System.nanoTime() - t2) / 1e9);
            }
        }
    }
}

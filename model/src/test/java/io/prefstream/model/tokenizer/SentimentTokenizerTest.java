package io.prefstream.model.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prefstream.model.hf.HfTokenizer;
import io.prefstream.tasks.SentimentTask;
import io.prefstream.tasks.Tasks;
import org.junit.jupiter.api.Test;

/** The sentiment task's text through the Hugging Face word-level tokenizer built from its vocabulary. */
class SentimentTokenizerTest {

    @Test
    void tokenizerSplitsLikeTheTaskAndRoundTripsItsText() {
        var task = Tasks.byName("sentiment");
        Tokenizer tk = Tokenizers.forSpec(task.tokenizerSpec());
        assertTrue(tk instanceof HfTokenizer, tk.id());
        assertEquals(4004, tk.vocabSize());
        int unknown = 0;
        int tokens = 0;
        for (var example : task.sftCorpus(3, 2000)) {
            for (String text : new String[] {example.prompt(), example.response()}) {
                int[] ids = tk.encode(text);
                assertEquals(SentimentTask.split(text).size(), ids.length, text);
                assertEquals(text, tk.decode(ids), "decode(encode(x)) == x");
                for (int id : ids) {
                    unknown += id == 3 ? 1 : 0;
                }
                tokens += ids.length;
            }
        }
        assertEquals(0, unknown, "SFT text is made of in-vocabulary words only (of " + tokens + " tokens)");
        assertEquals(1, tk.encodePrompt("mr president")[0], "prompts start with <bos>");
        assertEquals(task.maxResponseTokens(), 13);
    }
}

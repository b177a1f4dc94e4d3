# Checks Prefstream's model layer against Hugging Face transformers (needs torch + transformers; run from the
# repository root, OUT=<dir>). It wrote model/src/test/resources/hf-extra/* and hf/gpt2/reference-eval.json
# (transformers 5.17, torch 2.11):
# 1. eval-mode (dropout off) NLL and gradient norms of the fixtures in model/src/test/resources/hf,
# 2. reference outputs of other configurations of each family (GQA/MQA ratios, head_dim != hidden/heads,
#    RoPE theta, biases, tied/untied, BF16/F16/F32 storage), written by transformers itself,
# 3. whether transformers loads folders exported by Prefstream (device-check/exports/*/ with a java.json of
#    Java's token ids and logits) with the same token ids and logits,
# 4. chat templates rendered by apply_chat_template (device-check/chat/*.json).
import json, os, sys, glob, shutil, traceback
OUT = os.environ.get("OUT", "/tmp/out")
os.makedirs(OUT, exist_ok=True)
report = {}
try:
    import torch, transformers
    report["versions"] = {"torch": torch.__version__, "transformers": transformers.__version__}
    print("versions", report["versions"], flush=True)
except Exception as e:
    print("NO TRANSFORMERS", e); json.dump({"error": str(e)}, open(f"{OUT}/report.json", "w")); sys.exit(0)
from transformers import AutoModelForCausalLM, AutoTokenizer
torch.manual_seed(0)
FIX = "model/src/test/resources/hf"

def reference(model, ids, greedy_prompt):
    model.eval()
    model.zero_grad()
    ids = torch.tensor(ids)
    logits = model(ids).logits
    lp = torch.log_softmax(logits[:, :-1].float(), -1).gather(-1, ids[:, 1:, None]).squeeze(-1)
    nll = -lp.sum()
    nll.backward()
    with torch.no_grad():
        g = model.generate(torch.tensor(greedy_prompt), max_new_tokens=12, min_new_tokens=12, do_sample=False,
                           eos_token_id=None, pad_token_id=0)
    return {"input_ids": ids.tolist(), "logits": logits.detach().float().tolist(),
            "next_token_logprobs": lp.detach().tolist(), "sequence_logprob_sums": lp.sum(-1).detach().tolist(),
            "greedy_prompt": greedy_prompt, "greedy_12": g[0, len(greedy_prompt[0]):].tolist(),
            "nll_sum": nll.item(),
            "grad_norms": {n: p.grad.norm().item() for n, p in model.named_parameters() if p.grad is not None}}

PARTS = os.environ.get("PARTS", "12345")
# 1. eval-mode references of the fixtures
for fam in (["llama", "qwen2", "gpt2"] if "1" in PARTS else []):
    try:
        d = f"{FIX}/{fam}"
        ref = json.load(open(f"{d}/reference.json"))
        m = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32)
        r = reference(m, ref["input_ids"], ref["greedy_prompt"])
        # is the fixture's nll_sum a train-mode (dropout) value?
        m.train(); torch.manual_seed(0)
        train_nll = -torch.log_softmax(m(torch.tensor(ref["input_ids"])).logits[:, :-1], -1).gather(
            -1, torch.tensor(ref["input_ids"])[:, 1:, None]).sum().item()
        report[f"fixture-{fam}"] = {"eval_nll": r["nll_sum"], "fixture_nll": ref["nll_sum"], "train_mode_nll_seed0": train_nll,
                                    "greedy_same": r["greedy_12"] == ref["greedy_12"],
                                    "max_grad_rel_diff_vs_fixture": max(abs(r["grad_norms"][k] - v) / v for k, v in ref["grad_norms"].items())}
        os.makedirs(f"{OUT}/eval-reference", exist_ok=True)
        json.dump({"nll_sum": r["nll_sum"], "grad_norms": r["grad_norms"], "mode": "eval (dropout off)",
                   "transformers": transformers.__version__, "torch": torch.__version__},
                  open(f"{OUT}/eval-reference/{fam}.json", "w"))
        print(fam, report[f"fixture-{fam}"], flush=True)
    except Exception:
        traceback.print_exc()

# 2. other configurations of each family, random weights, written by transformers
from transformers import LlamaConfig, Qwen2Config, GPT2Config, LlamaForCausalLM, Qwen2ForCausalLM, GPT2LMHeadModel
tok_src = f"{FIX}/llama/tokenizer.json"
fixture_ref = json.load(open(f"{FIX}/llama/reference.json"))
extra = {
    "llama-gqa-tied-bias-bf16": (LlamaForCausalLM, LlamaConfig(vocab_size=400, hidden_size=96, intermediate_size=160,
        num_hidden_layers=2, num_attention_heads=8, num_key_value_heads=2, head_dim=16, max_position_embeddings=64,
        rms_norm_eps=1e-5, rope_theta=500000.0, tie_word_embeddings=True, attention_bias=True, mlp_bias=True,
        initializer_range=0.2, bos_token_id=1, eos_token_id=2), torch.bfloat16),
    "llama-mqa-f16": (LlamaForCausalLM, LlamaConfig(vocab_size=400, hidden_size=64, intermediate_size=96,
        num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=1, max_position_embeddings=64,
        rms_norm_eps=1e-6, rope_theta=250000.0, tie_word_embeddings=False, initializer_range=0.2), torch.float16),
    "qwen2-untied-f32": (Qwen2ForCausalLM, Qwen2Config(vocab_size=400, hidden_size=48, intermediate_size=96,
        num_hidden_layers=3, num_attention_heads=6, num_key_value_heads=3, max_position_embeddings=64,
        rms_norm_eps=1e-6, rope_theta=1000000.0, tie_word_embeddings=False, initializer_range=0.2), torch.float32),
    "gpt2-untied-f32": (GPT2LMHeadModel, GPT2Config(vocab_size=400, n_embd=48, n_head=3, n_layer=3, n_inner=100,
        n_positions=64, layer_norm_epsilon=1e-6, tie_word_embeddings=False, initializer_range=0.2, resid_pdrop=0.0,
        embd_pdrop=0.0, attn_pdrop=0.0), torch.float32),
}
for name, (cls, cfg, dtype) in (extra.items() if "2" in PARTS else []):
    try:
        torch.manual_seed(1)
        m = cls(cfg)
        d = f"{OUT}/extra/{name}"
        m.to(dtype).save_pretrained(d, safe_serialization=True)
        shutil.copy(tok_src, f"{d}/tokenizer.json")
        m2 = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32)
        r = reference(m2, fixture_ref["input_ids"], fixture_ref["greedy_prompt"])
        r["architecture"] = cls.__name__; r["stored_dtype"] = str(dtype)
        r["transformers"] = transformers.__version__; r["torch"] = torch.__version__
        json.dump(r, open(f"{d}/reference.json", "w"))
        report[f"extra-{name}"] = {"files": sorted(os.listdir(d)), "nll": r["nll_sum"]}
        print(name, report[f"extra-{name}"], flush=True)
    except Exception:
        traceback.print_exc()

# 3. transformers loads Prefstream's exports
for d in (sorted(glob.glob("device-check/exports/*")) if "3" in PARTS else []):
    name = os.path.basename(d)
    try:
        java = json.load(open(f"{d}/java.json"))
        tok = AutoTokenizer.from_pretrained(d)
        m = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32); m.eval()
        ids_same = [tok(t)["input_ids"] == j for t, j in zip(java["texts"], java["prompt_ids"])]
        dec = [tok.decode(tok(t, add_special_tokens=False)["input_ids"]) for t in java["texts"]]
        rows = torch.tensor(java["rows"])
        with torch.no_grad():
            logits = m(rows).logits.flatten()
        diff = (logits - torch.tensor(java["logits"])).abs().max().item()
        report[f"export-{name}"] = {"class": type(m).__name__, "tokenizer": type(tok).__name__, "ids_same": ids_same,
                                    "hf_ids": [tok(t)["input_ids"] for t in java["texts"]],
                                    "java_ids": java["prompt_ids"], "decoded_hf": dec, "decoded_java": java["decoded"],
                                    "max_abs_logit_diff": diff}
        print(name, report[f"export-{name}"], flush=True)
    except Exception:
        traceback.print_exc(); report[f"export-{name}"] = {"error": traceback.format_exc()[-500:]}

# 4. chat templates: Prefstream's renderings (device-check/chat/*.json, written by ChatTemplate) against
#    transformers' apply_chat_template with the same template and special tokens
for f in sorted(glob.glob("device-check/chat/*.json")):
    name = os.path.basename(f)
    try:
        case = json.load(open(f))
        from transformers import PreTrainedTokenizerFast
        special = {k: v for k, v in case["special_tokens"].items() if k != "additional_special_tokens"}
        tok = PreTrainedTokenizerFast(tokenizer_file=tok_src, **special)
        tok.chat_template = case["chat_template"]
        outs = []
        for conv in case["conversations"]:
            try:
                hf = tok.apply_chat_template(conv["messages"], tokenize=False,
                                             add_generation_prompt=conv["add_generation_prompt"])
                outs.append({"same": hf == conv.get("java"), "hf": hf, "java": conv.get("java", conv.get("java_error"))})
            except Exception as e:
                outs.append({"same": "java_error" in conv, "hf_error": str(e), "java": conv.get("java", conv.get("java_error"))})
        report[f"chat-{name}"] = {"all_same": all(o["same"] for o in outs), "cases": outs}
        print("chat", name, [o["same"] for o in outs], flush=True)
    except Exception:
        report[f"chat-{name}"] = {"error": traceback.format_exc()[-800:]}

# 5. `prefstream inspect --json` outputs (device-check/inspect/*/inspect.json next to the model folder's files)
#    against transformers: token ids, next-token log-probs, greedy continuation
for d in sorted(glob.glob("device-check/inspect/*")):
    name = os.path.basename(d)
    try:
        j = json.load(open(f"{d}/inspect.json"))
        tok = AutoTokenizer.from_pretrained(d)
        m = AutoModelForCausalLM.from_pretrained(d, dtype=torch.float32); m.eval()
        ids = tok(j["text"])["input_ids"]
        with torch.no_grad():
            lp = torch.log_softmax(m(torch.tensor([ids])).logits[0, :-1], -1).gather(-1, torch.tensor(ids[1:])[:, None])[:, 0]
            g = m.generate(torch.tensor([ids]), max_new_tokens=len(j["greedy_ids"]), do_sample=False,
                           pad_token_id=tok.pad_token_id if tok.pad_token_id is not None else 0)
        greedy = g[0, len(ids):].tolist()
        report[f"inspect-{name}"] = {"ids_same": ids == j["token_ids"], "max_logprob_diff":
                                     max(abs(a - b) for a, b in zip(lp.tolist(), j["next_token_logprobs"])),
                                     "greedy_same": greedy == j["greedy_ids"], "hf_greedy": greedy,
                                     "java_greedy": j["greedy_ids"], "hf_text": tok.decode(greedy),
                                     "java_text": j["greedy_text"]}
        print("inspect", name, report[f"inspect-{name}"], flush=True)
    except Exception:
        traceback.print_exc(); report[f"inspect-{name}"] = {"error": traceback.format_exc()[-800:]}
json.dump(report, open(f"{OUT}/report.json", "w"), indent=1)
print("DONE")

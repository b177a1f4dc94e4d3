"""Renders chat templates in the Jinja environment transformers builds (chat_template_utils._compile_jinja_template:
ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[AssistantTracker, loopcontrols]),
its tojson filter, raise_exception and strftime_now), to check the expected strings in the ChatTemplate* tests.
Needs only jinja2 (3.1.6 was used); strftime_now reads a fixed clock, 2025-03-09 21:05:03, as the tests do.

Usage: python3 render_with_jinja2.py MODEL_DIR < messages.json
  MODEL_DIR holds tokenizer_config.json and/or chat_template.jinja (as ChatTemplate.fromModelDir reads them);
  messages.json is {"messages": [{"role": ..., "content": ...}, ...], "add_generation_prompt": true}.
Prints the rendering as a JSON string, or the error."""
import json
import os
import sys
from datetime import datetime

import jinja2
from jinja2.ext import Extension, loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment


class AssistantTracker(Extension):
    tags = {"generation"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        body = parser.parse_statements(["name:endgeneration"], drop_needle=True)
        return jinja2.nodes.CallBlock(self.call_method("_generation_support"), [], [], body).set_lineno(lineno)

    def _generation_support(self, caller):
        return caller()


def raise_exception(message):
    raise jinja2.exceptions.TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


def strftime_now(format):
    return datetime(2025, 3, 9, 21, 5, 3).strftime(format)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[AssistantTracker, loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = strftime_now

model_dir = sys.argv[1]
config_path = os.path.join(model_dir, "tokenizer_config.json")
config = json.load(open(config_path, encoding="utf-8")) if os.path.exists(config_path) else {}
template_path = os.path.join(model_dir, "chat_template.jinja")
if os.path.exists(template_path):
    template = open(template_path, encoding="utf-8").read()
else:
    template = config["chat_template"]
    if isinstance(template, list):
        template = {t["name"]: t["template"] for t in template}["default"]
tokens = {}
for name in ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]:
    token = config.get(name)
    token = token.get("content") if isinstance(token, dict) else token
    if token:
        tokens[name] = token
if config.get("additional_special_tokens"):
    tokens["additional_special_tokens"] = [t.get("content") if isinstance(t, dict) else t
                                           for t in config["additional_special_tokens"]]
chat = json.load(sys.stdin)
try:
    print(json.dumps(env.from_string(template).render(
        messages=chat["messages"], tools=None, documents=None,
        add_generation_prompt=chat.get("add_generation_prompt", True), **tokens)))
except jinja2.exceptions.TemplateError as e:
    print(type(e).__name__ + ": " + str(e))

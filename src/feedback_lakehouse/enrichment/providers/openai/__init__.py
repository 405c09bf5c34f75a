"""The LLM providers over the `openai` SDK: options, the shared engine, two clients."""

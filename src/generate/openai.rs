//! The `openai` backend: Chat Completions. With `base_url` it serves any
//! OpenAI-compatible server (vLLM, Ollama, llama.cpp, LM Studio).

use super::Output;
use super::transport::{HttpBackend, Params, Unusable, WireFormat, usage};
use crate::config::Provider;
use reqwest::header::{AUTHORIZATION, HeaderName};
use serde_json::{Value, json};

/// The Chat Completions wire format.
#[derive(Debug)]
pub enum OpenAi {}

/// The `openai` backend.
pub type OpenAiBackend = HttpBackend<OpenAi>;

impl WireFormat for OpenAi {
    const PROVIDER: Provider = Provider::OpenAi;
    const DEFAULT_BASE_URL: &'static str = "https://api.openai.com/v1";
    const PATH: &'static str = "/chat/completions";
    const HEADERS: &'static [(&'static str, &'static str)] = &[];

    fn auth(key: &str) -> (HeaderName, String) {
        (AUTHORIZATION, format!("Bearer {key}"))
    }

    fn body(params: &Params, system: &str, prompt: &str) -> Value {
        let mut body = json!({
            "model": params.model,
            "messages": [
                {"role": "system", "content": system},
                {"role": "user", "content": prompt},
            ],
        });
        if let Some(temperature) = params.temperature {
            body["temperature"] = json!(temperature);
        }
        if let Some(max_tokens) = params.max_tokens {
            body["max_tokens"] = json!(max_tokens);
        }
        if let Some(effort) = &params.reasoning_effort {
            body["reasoning_effort"] = json!(effort);
        }
        body
    }

    fn parse(response: &Value) -> Result<Output, Unusable> {
        let choice = &response["choices"][0];
        if choice.is_null() {
            return Err(Unusable::Malformed("no `choices[0]`".into()));
        }
        let message = &choice["message"];
        if let Some(refusal) = message["refusal"].as_str().filter(|r| !r.is_empty()) {
            return Err(Unusable::Refused(refusal.into()));
        }
        match choice["finish_reason"].as_str() {
            Some("length") => return Err(Unusable::Truncated("finish_reason \"length\"".into())),
            Some("content_filter") => {
                return Err(Unusable::Refused(
                    "the content filter stopped the answer (finish_reason \"content_filter\")"
                        .into(),
                ));
            }
            _ => {}
        }
        let source = message["content"].as_str().unwrap_or_default();
        Ok(Output {
            source: source.into(),
            usage: usage(&response["usage"], "prompt_tokens", "completion_tokens"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::Usage;
    use crate::generate::transport::tests::bodies;

    #[test]
    fn body_carries_messages_and_set_knobs_only() {
        let (bare, knobs) = bodies::<OpenAi>();
        assert_eq!(
            bare,
            json!({"model": "m", "messages": [
                {"role": "system", "content": "the system prompt"},
                {"role": "user", "content": "the module prompt"},
            ]})
        );
        assert_eq!(
            (knobs["temperature"].as_f64(), knobs["max_tokens"].as_i64()),
            (Some(0.5), Some(100))
        );
    }

    #[test]
    fn reasoning_effort_is_sent_and_a_thinking_budget_is_not() {
        let params = Params {
            model: "m".into(),
            temperature: None,
            max_tokens: None,
            reasoning_effort: Some("high".into()),
            thinking_budget: Some(2048),
        };
        let body = OpenAi::body(&params, "s", "p");
        assert_eq!(body["reasoning_effort"], "high");
        assert!(body.get("thinking").is_none(), "{body}");
    }

    fn answer(message: Value, finish_reason: &str) -> Value {
        json!({"choices": [{"message": message, "finish_reason": finish_reason}],
               "usage": {"prompt_tokens": 12, "completion_tokens": 34}})
    }

    #[test]
    fn parse_reads_content_and_usage() {
        let out = OpenAi::parse(&answer(json!({"content": "x = 1\n"}), "stop")).expect("ok");
        assert_eq!(out.source, "x = 1\n");
        assert_eq!(
            out.usage,
            Some(Usage {
                prompt_tokens: 12,
                completion_tokens: 34
            })
        );
        let no_usage = json!({"choices": [{"message": {"content": "x"}}]});
        assert_eq!(OpenAi::parse(&no_usage).expect("ok").usage, None);
    }

    #[test]
    fn parse_rejects_unusable_answers() {
        let parse =
            |message, reason| OpenAi::parse(&answer(message, reason)).expect_err("unusable");
        assert_eq!(
            parse(json!({"content": null, "refusal": "I can't help"}), "stop"),
            Unusable::Refused("I can't help".into())
        );
        assert!(
            matches!(parse(json!({"content": "x = "}), "length"), Unusable::Truncated(r) if r.contains("length"))
        );
        assert!(matches!(
            parse(json!({"content": ""}), "content_filter"),
            Unusable::Refused(_)
        ));
        let null =
            OpenAi::parse(&answer(json!({"content": null}), "stop")).expect("left to the caller");
        assert_eq!(null.source, "");
        assert!(matches!(
            OpenAi::parse(&json!({"error": "x"})),
            Err(Unusable::Malformed(_))
        ));
    }
}

//! The `anthropic` backend: the Messages API.

use super::Output;
use super::transport::{HttpBackend, Params, Unusable, WireFormat, usage};
use crate::config::Provider;
use reqwest::header::HeaderName;
use serde_json::{Value, json};

/// The API requires `max_tokens`; this is used when `[llm] max_tokens` is
/// not set, large enough for a module.
const DEFAULT_MAX_TOKENS: i64 = 8192;

/// The Messages wire format.
#[derive(Debug)]
pub enum Anthropic {}

/// The `anthropic` backend.
pub type AnthropicBackend = HttpBackend<Anthropic>;

impl WireFormat for Anthropic {
    const PROVIDER: Provider = Provider::Anthropic;
    const DEFAULT_BASE_URL: &'static str = "https://api.anthropic.com";
    const PATH: &'static str = "/v1/messages";
    const HEADERS: &'static [(&'static str, &'static str)] = &[("anthropic-version", "2023-06-01")];

    fn auth(key: &str) -> (HeaderName, String) {
        (HeaderName::from_static("x-api-key"), key.into())
    }

    /// With a thinking budget, the thinking counts within `max_tokens`,
    /// so the default leaves the module its usual room on top of it.
    fn body(params: &Params, system: &str, prompt: &str) -> Value {
        let thinking = params.thinking_budget.map(i64::from);
        let max_tokens = params
            .max_tokens
            .unwrap_or(DEFAULT_MAX_TOKENS + thinking.unwrap_or(0));
        let mut body = json!({
            "model": params.model,
            "max_tokens": max_tokens,
            "system": system,
            "messages": [{"role": "user", "content": prompt}],
        });
        if let Some(temperature) = params.temperature {
            body["temperature"] = json!(temperature);
        }
        if let Some(budget) = thinking {
            body["thinking"] = json!({"type": "enabled", "budget_tokens": budget});
        }
        body
    }

    fn parse(response: &Value) -> Result<Output, Unusable> {
        let Some(blocks) = response["content"].as_array() else {
            return Err(Unusable::Malformed("no `content` array".into()));
        };
        let source: String = blocks
            .iter()
            .filter(|block| block["type"] == "text")
            .filter_map(|block| block["text"].as_str())
            .collect();
        match response["stop_reason"].as_str() {
            Some("max_tokens") => {
                return Err(Unusable::Truncated("stop_reason \"max_tokens\"".into()));
            }
            Some("refusal") => {
                let why = if source.trim().is_empty() {
                    "stop_reason \"refusal\"".to_string()
                } else {
                    source
                };
                return Err(Unusable::Refused(why));
            }
            _ => {}
        }
        Ok(Output {
            source,
            usage: usage(&response["usage"], "input_tokens", "output_tokens"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::Usage;
    use crate::generate::transport::tests::bodies;

    #[test]
    fn body_has_top_level_system_and_a_default_max_tokens() {
        let (bare, knobs) = bodies::<Anthropic>();
        assert_eq!(
            bare,
            json!({"model": "m", "max_tokens": DEFAULT_MAX_TOKENS,
                   "system": "the system prompt",
                   "messages": [{"role": "user", "content": "the module prompt"}]})
        );
        assert_eq!(
            (knobs["temperature"].as_f64(), knobs["max_tokens"].as_i64()),
            (Some(0.5), Some(100))
        );
    }

    #[test]
    fn a_thinking_budget_enables_thinking_and_reasoning_effort_is_not_sent() {
        let mut params = Params {
            model: "m".into(),
            temperature: None,
            max_tokens: None,
            reasoning_effort: Some("high".into()),
            thinking_budget: Some(2048),
        };
        let body = Anthropic::body(&params, "s", "p");
        assert_eq!(
            body["thinking"],
            json!({"type": "enabled", "budget_tokens": 2048})
        );
        assert_eq!(body["max_tokens"], DEFAULT_MAX_TOKENS + 2048);
        assert!(body.get("reasoning_effort").is_none(), "{body}");
        params.max_tokens = Some(4096);
        assert_eq!(Anthropic::body(&params, "s", "p")["max_tokens"], 4096);
    }

    fn answer(content: Value, stop_reason: &str) -> Value {
        json!({"content": content, "stop_reason": stop_reason,
               "usage": {"input_tokens": 5, "output_tokens": 7}})
    }

    #[test]
    fn parse_joins_text_blocks_and_reads_usage() {
        let content = json!([{"type": "text", "text": "x = 1\n"}, {"type": "thinking", "thinking": "hm"}, {"type": "text", "text": "y = 2\n"}]);
        let out = Anthropic::parse(&answer(content, "end_turn")).expect("ok");
        assert_eq!(out.source, "x = 1\ny = 2\n");
        assert_eq!(
            out.usage,
            Some(Usage {
                prompt_tokens: 5,
                completion_tokens: 7
            })
        );
    }

    #[test]
    fn parse_rejects_unusable_answers() {
        let text = |t: &str| json!([{"type": "text", "text": t}]);
        let parse =
            |content, reason| Anthropic::parse(&answer(content, reason)).expect_err("unusable");
        assert!(
            matches!(parse(text("x = "), "max_tokens"), Unusable::Truncated(r) if r.contains("max_tokens"))
        );
        assert_eq!(
            parse(text("I won't"), "refusal"),
            Unusable::Refused("I won't".into())
        );
        assert!(
            matches!(parse(json!([]), "refusal"), Unusable::Refused(r) if r.contains("refusal"))
        );
        let blank = Anthropic::parse(&answer(json!([]), "end_turn")).expect("left to the caller");
        assert_eq!(blank.source, "");
        assert!(matches!(
            Anthropic::parse(&json!({"type": "error"})),
            Err(Unusable::Malformed(_))
        ));
    }
}

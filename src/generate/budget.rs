//! `[llm] max_cost_per_build`: what one run may spend on model calls.
//!
//! Spend is estimated from `[llm] price_per_mtok` and the tokens each
//! backend reports; a backend that reports none (the `command` backend)
//! spends nothing by this measure. The check comes before each call, so
//! calls already in flight when the limit is reached still finish and may
//! take the run past it.

use super::Usage;
use crate::config::{LlmConfig, Prices};
use std::sync::Mutex;

/// What `usage` costs at `prices`.
pub fn cost(prices: &Prices, usage: Usage) -> f64 {
    (usage.prompt_tokens as f64 * prices.input + usage.completion_tokens as f64 * prices.output)
        / 1e6
}

/// A run's spending limit and the tokens it has spent, shared by every
/// model call of the run.
#[derive(Debug)]
pub struct Budget {
    limit: f64,
    prices: Prices,
    spent: Mutex<Usage>,
}

impl Budget {
    /// The budget `[llm]` sets, if any (the configuration requires prices
    /// with a limit).
    pub fn from_config(llm: &LlmConfig) -> Option<Budget> {
        Some(Budget::new(llm.max_cost_per_build?, llm.price_per_mtok?))
    }

    pub fn new(limit: f64, prices: Prices) -> Budget {
        Budget {
            limit,
            prices,
            spent: Mutex::new(Usage::default()),
        }
    }

    /// Counts the tokens of one model call.
    pub fn charge(&self, usage: Usage) {
        *self.spent.lock().unwrap_or_else(|e| e.into_inner()) += usage;
    }

    /// The estimated spend so far.
    pub fn spent(&self) -> f64 {
        cost(
            &self.prices,
            *self.spent.lock().unwrap_or_else(|e| e.into_inner()),
        )
    }

    pub fn limit(&self) -> f64 {
        self.limit
    }

    /// Whether another model call may start: the spend is below the limit.
    pub fn allows_a_call(&self) -> bool {
        self.spent() < self.limit
    }

    /// Why a call was not made, for reports and failed modules.
    pub fn reached(&self) -> String {
        format!(
            "the run's estimated spend ({:.4}) reached `[llm] max_cost_per_build` ({})",
            self.spent(),
            self.limit
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_call_is_allowed_until_the_spend_reaches_the_limit() {
        let prices = Prices {
            input: 2.0,
            output: 10.0,
        };
        let budget = Budget::new(0.001, prices);
        assert!(budget.allows_a_call());
        let call = Usage {
            prompt_tokens: 100,
            completion_tokens: 40,
        };
        budget.charge(call);
        assert!((budget.spent() - 0.0006).abs() < 1e-12);
        assert!(budget.allows_a_call());
        budget.charge(call);
        assert!((budget.spent() - 0.0012).abs() < 1e-12);
        assert!(!budget.allows_a_call());
        assert!(
            budget.reached().contains("(0.0012)"),
            "{}",
            budget.reached()
        );
        assert!(!Budget::new(0.0, prices).allows_a_call());
    }
}

"""The contest agent: Discord commentary on campaigns (CMP-43 … CMP-57).

- `events`: detection, chattiness, priority, superseding and lead tracking (pure decisions);
- `messages`: template pools, placeholders and the embed;
- `runner`: one run over the campaigns in scope, with its job lock, posting and logging.
"""

from campaigns.agent.runner import AgentRunResult, CampaignOutcome, run_agent

__all__ = ["AgentRunResult", "CampaignOutcome", "run_agent"]

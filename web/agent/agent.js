// the agent panel

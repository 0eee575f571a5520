"""The lab: a discrete-event simulation that runs the production availability decision, routing
and conflict choice against simulated shoppers on every channel, to compare strategies before a
seller trusts one (../shared/DESIGN.md, "The lab")."""

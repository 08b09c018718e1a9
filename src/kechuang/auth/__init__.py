"""Authentication (users, argon2 passwords, login and API tokens, throttling), the authorisation
policy (:mod:`kechuang.auth.policy`, roles × resources and organisation scoping, in one place) and
generic maker-checker approvals (:mod:`kechuang.auth.approvals`)."""

"""The product catalogue: credit, re-lending, rediscount, insurance, fund and subsidy products as
effective-dated configuration."""

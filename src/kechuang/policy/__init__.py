"""Programme and policy registry (规划、方案、基金、联盟、论坛 …) and external statistics
(常住人口, 全球创新指数科技集群排名 …) entered with their source — the narrative and external
inputs of the annual report chapter."""

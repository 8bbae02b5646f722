"""学历认证 and the registries without a school portal: the 自考办's pages for 自考 credentials
(decision 0029), 补录 batches and the centre's 学历认证 (decision 0030). Sits above reports."""

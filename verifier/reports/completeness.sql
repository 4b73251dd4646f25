-- Receipt completeness per runtime family: actions, mean ρ, and the share with every expected receipt
SELECT runtime_family, actions, mean_rho, complete_actions, complete_share
FROM completeness_by_family
ORDER BY runtime_family;

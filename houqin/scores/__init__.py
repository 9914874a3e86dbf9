"""Classes (班级), their hygiene scores by week and the rotating banner (卫生流动锦旗)."""

"""The canteen's food-safety records: samples kept 48 hours, morning checks, health certificates, deliveries."""

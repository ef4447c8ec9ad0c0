#!/bin/sh
# gen_history.sh CASES [BAD] - print a generated history of CASES cases as
# lfh import's JSON Lines (tests/integration/test_import.sh, the import
# benchmark): per case a case row, risk, scanning, meeting, an action done,
# and two notes, dated in 2024 (7 rows, 9 events with the action's outcome,
# plus the key events). With BAD = 1, every 50th case is followed by one
# bad row, in turn: an unknown kind, a case missing its summary, a note
# dated in the future, an action for a case never imported, a bad power.
# The agencies shared with are housing (and no other).
set -eu
cases=${1:?usage: gen_history.sh CASES [BAD]}
bad=${2:-0}
awk -v n="$cases" -v bad="$bad" 'BEGIN {
	for (i = 1; i <= n; i++) {
		m = sprintf("%02d", (i % 12) + 1); d = sprintf("%02d", (i % 27) + 1)
		on = "2024-" m "-" d
		c = "OLD-" i
		printf "{\"kind\":\"case\",\"ext_id\":\"%s\",\"summary\":\"Noise and nuisance %d\",\"location\":\"%d High Street\",\"category\":\"noise\",\"risk\":\"standard\",\"to\":[\"housing\"],\"subject\":\"Household %d\",\"on\":\"%s\",\"by\":\"PC Old\"}\n", c, i, i, i, on
		printf "{\"kind\":\"risk\",\"case\":\"%s\",\"answers\":\"repeat=yes;vulnerable=no\",\"score\":%d,\"on\":\"%s\",\"by\":\"PC Old\"}\n", c, i % 9, on
		printf "{\"kind\":\"scanning\",\"case\":\"%s\",\"text\":\"Calls about loud music, case %d\",\"on\":\"%s\",\"by\":\"PC Old\"}\n", c, i, on
		printf "{\"kind\":\"meeting\",\"case\":\"%s\",\"date\":\"%s\",\"attendees\":\"police,housing\",\"victim\":\"Neighbours\",\"offender\":\"Tenant %d\",\"location\":\"Flat %d\",\"responses\":\"Warning letter\",\"on\":\"%s\",\"by\":\"PC Old\"}\n", c, on, i, i, on
		printf "{\"kind\":\"action\",\"case\":\"%s\",\"agency\":\"housing\",\"power\":\"tenancy-warning\",\"text\":\"Send a tenancy warning %d\",\"due\":\"2024-12-31\",\"status\":\"done\",\"outcome\":\"Letter sent\",\"on\":\"%s\",\"by\":\"PC Old\"}\n", c, i, on
		printf "{\"kind\":\"note\",\"case\":\"%s\",\"text\":\"Visited the flat (case %d)\",\"on\":\"%s\",\"by\":\"PC Old\"}\n", c, i, on
		printf "{\"kind\":\"note\",\"case\":\"%s\",\"text\":\"Quiet since the letter (case %d)\",\"on\":\"%s\",\"by\":\"Officer Two\"}\n", c, i, on
		if (bad && i % 50 == 0) {
			k = (i / 50) % 5
			if (k == 0) printf "{\"kind\":\"memo\",\"case\":\"%s\",\"text\":\"x\"}\n", c
			if (k == 1) printf "{\"kind\":\"case\",\"ext_id\":\"BAD-%d\",\"location\":\"x\",\"category\":\"noise\",\"risk\":\"standard\",\"to\":\"housing\"}\n", i
			if (k == 2) printf "{\"kind\":\"note\",\"case\":\"%s\",\"text\":\"from the future\",\"on\":\"2999-01-01\"}\n", c
			if (k == 3) printf "{\"kind\":\"action\",\"case\":\"NOPE-%d\",\"agency\":\"housing\",\"power\":\"cbo\",\"text\":\"x\",\"due\":\"2024-12-31\"}\n", i
			if (k == 4) printf "{\"kind\":\"action\",\"case\":\"%s\",\"agency\":\"housing\",\"power\":\"flogging\",\"text\":\"x\",\"due\":\"2024-12-31\"}\n", c
		}
	}
}'

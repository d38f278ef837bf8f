#!/bin/sh
# Many cloud-* processes at once: 32 parallel creates of distinct users
# all succeed, 32 of one name leave exactly one winner and 31 conflicts,
# and nobody ever sees "database is locked".
. "${top_srcdir:-.}/tests/lib.sh"
bootstrap_cloud

mkdir "$T/p"
i=0
while [ $i -lt 32 ]; do
	( cloud-user-create -q "user$i" >"$T/p/out$i" 2>"$T/p/err$i";
	  echo $? >"$T/p/rc$i" ) &
	i=$((i + 1))
done
wait
check "32 parallel creates of distinct names all succeed" \
    test "$(cat "$T"/p/rc* | sort -u)" = 0
check "32 users exist" test "$(cloud-user-list -f value -c name |
    grep -c '^user')" -eq 32
check "no process saw a lock or busy error" sh -c "! cat '$T'/p/err* |
    grep -Eiq 'locked|busy'"

rm -f "$T"/p/*
i=0
while [ $i -lt 32 ]; do
	( cloud-user-create -q same >"$T/p/out$i" 2>"$T/p/err$i";
	  echo $? >"$T/p/rc$i" ) &
	i=$((i + 1))
done
wait
check "exactly one of 32 creates of one name wins" \
    test "$(cat "$T"/p/rc* | grep -c '^0$')" -eq 1
check "the other 31 exit 5" test "$(cat "$T"/p/rc* | grep -c '^5$')" -eq 31
check "each loser says the name is taken" test "$(cat "$T"/p/err* |
    grep -c "user name 'same' is taken")" -eq 31
check "no process saw a lock or busy error" sh -c "! cat '$T'/p/err* |
    grep -Eiq 'locked|busy'"
check "one user named same" test "$(cloud-user-list -f value -c name |
    grep -c '^same$')" -eq 1
check "every attempt is in the event log" test "$(cloud-event-list \
    --action user:create --target same -f value -c result | sort | uniq -c |
    awk '{ printf "%s=%s ", $2, $1 }')" = "failure=31 success=1 "

# Readers and writers mixed: lists while users are created and deleted.
rm -f "$T"/p/*
i=0
while [ $i -lt 16 ]; do
	( cloud-user-delete "user$i" 2>"$T/p/err$i"; echo $? >"$T/p/rc$i" ) &
	( cloud-user-list -f value >/dev/null 2>"$T/p/lerr$i";
	  echo $? >"$T/p/lrc$i" ) &
	i=$((i + 1))
done
wait
check "parallel deletes and lists all succeed" \
    test "$(cat "$T"/p/rc* "$T"/p/lrc* | sort -u)" = 0
check "16 users left of the 32" test "$(cloud-user-list -f value -c name |
    grep -c '^user')" -eq 16
done_testing

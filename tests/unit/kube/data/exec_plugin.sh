#!/bin/sh
# A stand-in for a client-go exec credential plugin (aws eks get-token and
# the like), run by tests/unit/kube/test_auth.c as: sh exec_plugin.sh MODE
# RUNS. Every run appends a line to the file RUNS and copies the
# KUBERNETES_EXEC_INFO it was given to RUNS.info. The token is
# $PLUGIN_TOKEN-<run number>, so that a test can tell runs apart.
mode=$1
runs=$2
echo run >>"$runs"
n=$(wc -l <"$runs" | tr -d ' ')
printf '%s' "$KUBERNETES_EXEC_INFO" >"$runs.info"
api=${PLUGIN_API:-client.authentication.k8s.io/v1}

case $mode in
ok)
	if [ -n "$PLUGIN_EXPIRY" ]; then
		expiry=",\"expirationTimestamp\":\"$PLUGIN_EXPIRY\""
	fi
	printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"%s-%s"%s}}\n' \
		"$api" "$PLUGIN_TOKEN" "$n" "$expiry"
	;;
fail)
	echo "  error: no credentials for profile prod" >&2
	echo "  (run aws sso login)  " >&2
	exit 3
	;;
garbage)
	echo "Unable to locate credentials. You can configure credentials by running aws login."
	;;
cert)
	printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"clientCertificateData":"x","clientKeyData":"y"}}\n' "$api"
	;;
hang)
	# The sleep holds the pipes too: only killing the group ends it.
	echo "waiting for a browser login" >&2
	sleep 60 &
	echo $! >"$runs.pid"
	wait
	;;
*)
	echo "unknown mode $mode" >&2
	exit 2
	;;
esac

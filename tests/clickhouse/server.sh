#!/bin/sh
# server.sh - a throw-away ClickHouse server for the tests, on 127.0.0.1.
#   server.sh start DIR HTTP_PORT TCP_PORT [CLUSTER SHARD_TCP_PORT...]
#   server.sh stop DIR
# All its state (data, logs, the pid) lives in DIR; it listens on
# 127.0.0.1 only. With CLUSTER, the configuration names a cluster of that
# name with one shard per SHARD_TCP_PORT (servers started the same way),
# for Distributed tables. The user "default" has no password; the user
# "vigil" has the password in DIR/../password when that file exists.
# Debian 12's clickhouse-server (18.16) is run as a plain process: no
# systemd, no /etc/clickhouse-server.
set -eu
cmd=${1:?usage: server.sh start|stop DIR ...}
dir=${2:?usage: server.sh start|stop DIR ...}
bin=/usr/bin/clickhouse
[ -x "$bin" ] || bin=/usr/sbin/clickhouse-server

case $cmd in
start)
	http=${3:?HTTP port}; tcp=${4:?TCP port}
	shift 4
	cluster=${1:-}
	[ $# -gt 0 ] && shift
	if ! [ -x /usr/bin/clickhouse ] && ! [ -x /usr/sbin/clickhouse-server ]; then
		echo "server.sh: clickhouse-server is not installed (scripts/deps.sh test installs it)" >&2
		exit 1
	fi
	mkdir -p "$dir/data" "$dir/tmp" "$dir/log" "$dir/files"
	remote=""
	if [ -n "$cluster" ]; then
		remote="<remote_servers><$cluster>"
		for p in "$@"; do
			remote="$remote<shard><replica><host>127.0.0.1</host><port>$p</port></replica></shard>"
		done
		remote="$remote</$cluster></remote_servers>"
	fi
	cat > "$dir/config.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>$dir/log/server.log</log>
    <errorlog>$dir/log/error.log</errorlog><size>10M</size><count>1</count></logger>
  <listen_host>127.0.0.1</listen_host>
  <http_port>$http</http_port>
  <tcp_port>$tcp</tcp_port>
  <path>$dir/data/</path>
  <tmp_path>$dir/tmp/</tmp_path>
  <user_files_path>$dir/files/</user_files_path>
  <users_config>$dir/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <max_connections>64</max_connections>
  <max_concurrent_queries>32</max_concurrent_queries>
  <mark_cache_size>67108864</mark_cache_size>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  $remote
</yandex>
XML
	pw=""
	[ -f "$dir/../password" ] && pw=$(cat "$dir/../password")
	cat > "$dir/users.xml" <<XML
<?xml version="1.0"?>
<yandex>
  <profiles><default><max_memory_usage>4000000000</max_memory_usage><max_threads>2</max_threads></default></profiles>
  <users>
    <default><password></password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile><quota>default</quota></default>
    <vigil><password>$pw</password><networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile><quota>default</quota></vigil>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
    <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>
  </interval></default></quotas>
</yandex>
XML
	if [ -x /usr/bin/clickhouse ]; then
		/usr/bin/clickhouse server --config-file="$dir/config.xml" > "$dir/log/stdout" 2>&1 &
	else
		/usr/sbin/clickhouse-server --config-file="$dir/config.xml" > "$dir/log/stdout" 2>&1 &
	fi
	echo $! > "$dir/pid"
	# ready when /ping answers: at most 20 s
	i=0
	while ! curl -sf "http://127.0.0.1:$http/ping" > /dev/null 2>&1; do
		if ! kill -0 "$(cat "$dir/pid")" 2> /dev/null; then
			echo "server.sh: clickhouse-server exited at start; $dir/log:" >&2
			tail -5 "$dir/log/error.log" "$dir/log/stdout" >&2 2> /dev/null || true
			exit 1
		fi
		i=$((i + 1))
		if [ $i -gt 400 ]; then
			echo "server.sh: clickhouse-server did not answer on 127.0.0.1:$http in 20 s" >&2
			kill -KILL "$(cat "$dir/pid")" 2> /dev/null || true
			exit 1
		fi
		sleep 0.05
	done ;;
stop)
	[ -f "$dir/pid" ] || exit 0
	pid=$(cat "$dir/pid")
	kill -TERM "$pid" 2> /dev/null || { rm -f "$dir/pid"; exit 0; }
	i=0
	while kill -0 "$pid" 2> /dev/null; do
		i=$((i + 1))
		if [ $i -gt 200 ]; then kill -KILL "$pid" 2> /dev/null || true; break; fi
		sleep 0.05
	done
	rm -f "$dir/pid" ;;
*)
	echo "usage: server.sh start DIR HTTP_PORT TCP_PORT [CLUSTER PORT...] | stop DIR" >&2
	exit 2 ;;
esac

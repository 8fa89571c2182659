#!/usr/bin/env bash
# `make run`: install what is missing, create (or upgrade) the SQLite
# database "yuexing" with every module and the demo data, then serve the
# back office on http://127.0.0.1:8000.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
start=$(date +%s)

scripts/bootstrap.sh

export TRYTOND_CONFIG=$ROOT/config/trytond.conf
export TRYTOND_DATABASE__PATH=$ROOT/var/db
export TRYTOND_WEB__ROOT=$ROOT/node_modules/tryton-sao
listen=${YUEXING_LISTEN:-127.0.0.1:8000}
export TRYTOND_WEB__LISTEN=$listen
# Load the database's pool at start-up. Without it trytond 8.0.12 answers
# the first login with KeyError 'res.user': Cache.sync registers the pool
# name before it is initialised, so the login skips the initialisation.
export TRYTOND_DATABASE_NAMES=yuexing

.venv/bin/python scripts/manage.py initdb --demo

cat <<INFO

  月星防水 业务平台 — 管理系统
  地址:     http://$listen/   (数据库: yuexing)
  演示账号 (密码均为 yuexing2026):
    admin     系统管理员（超级用户）
    xitong    系统管理员
    kefu      客服
    diaodu    调度
    shifu     师傅
    xiangmu   项目经理
    cangguan  仓管
    caiwu     财务
    guanli    管理层（只读全部）
    bduan     B端客户
    cduan     C端客户（小程序用沙箱登录 code demo-cduan）
INFO

# The sandbox: local stand-ins of WeChat, WeChat Pay, Alipay, SMS and NC,
# configured into the demo database (YUEXING_SANDBOX=0 leaves it off).
sandbox_pid=
if [ "${YUEXING_SANDBOX:-1}" != 0 ]; then
    ready=$ROOT/var/sandbox.ready
    rm -f "$ready"
    .venv/bin/python scripts/sandbox.py -d yuexing --server "http://$listen" \
        --ready-file "$ready" &
    sandbox_pid=$!
    trap '[ -n "$sandbox_pid" ] && kill "$sandbox_pid" 2>/dev/null' EXIT
    for _ in $(seq 1 300); do
        [ -f "$ready" ] && break
        kill -0 "$sandbox_pid" 2>/dev/null || { sandbox_pid=; break; }
        sleep 0.2
    done
fi
echo "  准备用时 $(( $(date +%s) - start )) 秒；按 Ctrl+C 停止。"
echo
.venv/bin/trytond -c "$TRYTOND_CONFIG"

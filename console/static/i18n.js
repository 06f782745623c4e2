// Interface text: Chinese by default, English by the header's switch (kept in localStorage).
// Status words from the API are translated here too; an unknown word is shown as it is.
const TEXT = {
  zh: {
    "brand": "热线质检台", "nav.calls": "通话", "nav.plan": "月度计划", "nav.report": "周报",
    "nav.tickets": "工单", "lang.switch": "English", "signout": "退出",
    "signin.title": "用 API 令牌登录", "signin.token": "令牌", "signin.go": "登录",
    "signin.hint": "令牌只保存在本标签页的会话存储中，关闭标签页即失效。",
    "signin.bad": "令牌无效、已过期或已吊销，请检查后重试。",
    "signin.empty": "请输入令牌。",
    "error.forbidden": "此令牌的角色无权查看此内容。", "error.network": "无法连接服务。",
    "calls.title": "通话记录", "calls.since": "开始日期", "calls.until": "结束日期",
    "calls.agent": "坐席工号", "calls.caller": "来电号码", "calls.disposition": "结果",
    "calls.dead_air": "有静音", "calls.overtalk": "有抢话", "calls.search": "查询",
    "calls.any": "全部", "calls.yes": "有", "calls.no": "无",
    "calls.time": "时间", "calls.talk": "通话时长", "calls.flags": "质检标记",
    "calls.total": "共 {n} 条", "calls.prev": "上一页", "calls.next": "下一页",
    "calls.none": "没有符合条件的通话。", "calls.page": "第 {p} / {n} 页",
    "call.title": "通话 #{id}", "call.caller": "客户", "call.agent": "坐席",
    "call.play": "播放", "call.pause": "暂停", "call.prevflag": "上一标记 [",
    "call.nextflag": "下一标记 ]", "call.flags": "质检标记", "call.noflags": "未发现标记。",
    "call.keys": "空格 播放/暂停 · ←/→ 后退/前进 5 秒 · [ / ] 上一个/下一个标记",
    "call.norecording": "此通话没有录音。", "call.nolisten": "此令牌无权收听录音。",
    "call.notanalysed": "录音尚未分析。",
    "flag.dead_air": "静音", "flag.overtalk": "抢话", "flag.by": "{who}插话",
    "review.title": "评分", "review.form": "评分表", "review.total": "总分",
    "review.note": "备注", "review.comment": "评语", "review.excellent": "优秀录音",
    "review.save": "保存草稿", "review.confirm": "确认", "review.saved": "草稿已保存。",
    "review.confirmed": "评分已确认。", "review.readonly": "已确认的评分不可修改。",
    "review.versions": "版本", "review.revise": "修订",
    "review.version": "第 {v} 版 · {status} · {total}/{max} 分 · {at}",
    "review.none": "此通话还没有评分。", "review.evidence": "依据",
    "review.confirmAsk": "确认后评分不可再修改，是否确认？",
    "plan.title": "月度质检计划", "plan.month": "月份", "plan.show": "查看",
    "plan.build": "生成 / 补充计划", "plan.missing": "{month} 的计划尚未生成。",
    "plan.agent": "坐席", "plan.quota": "配额", "plan.live": "实时 完成/应做",
    "plan.post": "事后 完成/应做", "plan.explanation": "说明", "plan.items": "抽检项",
    "plan.call": "通话", "plan.mode": "方式", "plan.reasons": "原因", "plan.status": "状态",
    "report.title": "质检周报", "report.week": "周", "report.show": "查看",
    "report.draft": "起草周报", "report.missing": "{week} 的周报尚未起草。",
    "tickets.title": "工单", "tickets.subject": "主题", "tickets.status": "状态",
    "tickets.accepted": "受理时间", "tickets.clocks": "时限", "tickets.events": "处理记录",
    "tickets.calls": "关联通话", "tickets.clock": "时限", "tickets.due": "截止",
    "tickets.left": "剩余", "tickets.state": "状态", "tickets.customer": "客户",
    "tickets.open": "打开", "tickets.none": "没有工单。",
    "word.answered": "已接听", "word.abandoned": "放弃", "word.voicemail": "语音留言",
    "word.forwarded": "已转接", "word.missed": "未接", "word.refused": "已拒绝",
    "word.draft": "草稿", "word.confirmed": "已确认", "word.todo": "待检",
    "word.reviewed": "已评分", "word.live": "实时", "word.post": "事后",
    "word.running": "进行中", "word.met": "达成", "word.breached": "超时",
    "word.pending": "未开始", "word.caller": "客户", "word.agent": "坐席",
    "word.new": "新建", "word.in_progress": "处理中", "word.resolved": "已解决",
    "word.closed": "已关闭", "word.reopened": "重新打开",
    "word.r18_sample": "R18 抽样", "word.r18_live": "R18 实时",
    "word.r19_long_in_missed_period": "R19 未达标时段长通话", "word.r19_short": "R19 短通话",
    "word.r20_neighbour": "R20 问题通话前后",
  },
  en: {
    "brand": "Hotline QA console", "nav.calls": "Calls", "nav.plan": "Monthly plan",
    "nav.report": "Weekly report", "nav.tickets": "Tickets", "lang.switch": "中文",
    "signout": "Sign out",
    "signin.title": "Sign in with an API token", "signin.token": "Token", "signin.go": "Sign in",
    "signin.hint": "The token is kept in this tab's session storage only and is gone when the tab closes.",
    "signin.bad": "This token is not valid, has expired or was revoked: check it and try again.",
    "signin.empty": "Enter a token.",
    "error.forbidden": "This token's role may not see this.",
    "error.network": "The service cannot be reached.",
    "calls.title": "Calls", "calls.since": "From", "calls.until": "To",
    "calls.agent": "Agent", "calls.caller": "Caller", "calls.disposition": "Outcome",
    "calls.dead_air": "Dead air", "calls.overtalk": "Overtalk", "calls.search": "Search",
    "calls.any": "Any", "calls.yes": "Yes", "calls.no": "No",
    "calls.time": "Time", "calls.talk": "Talk", "calls.flags": "QA flags",
    "calls.total": "{n} calls", "calls.prev": "Previous", "calls.next": "Next",
    "calls.none": "No calls match.", "calls.page": "Page {p} of {n}",
    "call.title": "Call #{id}", "call.caller": "Caller", "call.agent": "Agent",
    "call.play": "Play", "call.pause": "Pause", "call.prevflag": "Previous flag [",
    "call.nextflag": "Next flag ]", "call.flags": "QA flags", "call.noflags": "No flags found.",
    "call.keys": "Space play/pause · ←/→ 5 s back/forward · [ / ] previous/next flag",
    "call.norecording": "This call has no recording.",
    "call.nolisten": "This token may not listen to recordings.",
    "call.notanalysed": "The recording has not been analysed.",
    "flag.dead_air": "Dead air", "flag.overtalk": "Overtalk", "flag.by": "{who} cut in",
    "review.title": "Scoring", "review.form": "Form", "review.total": "Total",
    "review.note": "Note", "review.comment": "Comment", "review.excellent": "Excellent recording",
    "review.save": "Save draft", "review.confirm": "Confirm", "review.saved": "Draft saved.",
    "review.confirmed": "Review confirmed.", "review.readonly": "A confirmed review is read-only.",
    "review.versions": "Versions", "review.revise": "Revise",
    "review.version": "Version {v} · {status} · {total}/{max} · {at}",
    "review.none": "This call has no review yet.", "review.evidence": "Evidence",
    "review.confirmAsk": "A confirmed review cannot be changed. Confirm?",
    "plan.title": "Monthly QA plan", "plan.month": "Month", "plan.show": "Show",
    "plan.build": "Build / top up", "plan.missing": "No plan for {month} yet.",
    "plan.agent": "Agent", "plan.quota": "Quota", "plan.live": "Live done/due",
    "plan.post": "Post done/due", "plan.explanation": "Why", "plan.items": "Items",
    "plan.call": "Call", "plan.mode": "Mode", "plan.reasons": "Reasons", "plan.status": "Status",
    "report.title": "Weekly QA report", "report.week": "Week", "report.show": "Show",
    "report.draft": "Draft the report", "report.missing": "No report for {week} yet.",
    "tickets.title": "Tickets", "tickets.subject": "Subject", "tickets.status": "Status",
    "tickets.accepted": "Accepted", "tickets.clocks": "Clocks", "tickets.events": "Timeline",
    "tickets.calls": "Linked calls", "tickets.clock": "Clock", "tickets.due": "Due",
    "tickets.left": "Left", "tickets.state": "State", "tickets.customer": "Customer",
    "tickets.open": "Open", "tickets.none": "No tickets.",
    "word.r18_sample": "R18 sample", "word.r18_live": "R18 live",
    "word.r19_long_in_missed_period": "R19 long call, missed period", "word.r19_short": "R19 short call",
    "word.r20_neighbour": "R20 neighbour", "word.in_progress": "in progress",
    "word.caller": "caller", "word.agent": "agent",
  },
};

export function lang() {
  return localStorage.getItem("hotline.lang") === "en" ? "en" : "zh";
}

export function toggleLang() {
  localStorage.setItem("hotline.lang", lang() === "en" ? "zh" : "en");
  document.documentElement.lang = lang() === "en" ? "en" : "zh-CN";
}

export function t(key, vars = {}) {
  const text = TEXT[lang()][key] ?? TEXT.zh[key] ?? key;
  return text.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ""));
}

// A status word of the API (answered, confirmed, r18_sample ...) in the interface language.
export function word(value) {
  if (value === null || value === undefined) return "";
  const key = `word.${value}`;
  return TEXT[lang()][key] ?? (lang() === "en" ? String(value).replaceAll("_", " ") : TEXT.zh[key] ?? value);
}

export function translateStatic(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  document.title = t("brand");
}

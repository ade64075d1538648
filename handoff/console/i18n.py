"""Every label of the agent console, in Simplified Chinese (default) and English."""

from __future__ import annotations

LOCALES = ("zh", "en")

_PAIRS: dict[str, tuple[str, str]] = {
    # frame
    "app_title": ("投诉举报处理工作台", "Case handling console"),
    "skip": ("跳到正文", "Skip to content"),
    "queue": ("工作队列", "Queue"),
    "notifications": ("通知", "Notifications"), "audit_log": ("审计日志", "Audit log"),
    "users": ("用户", "Users"), "departments": ("部门", "Departments"), "canned": ("常用回复", "Canned responses"),
    "logout": ("退出登录", "Log out"),
    "switch_lang": ("English", "中文"), "signed_in_as": ("当前用户", "Signed in as"),
    "go_to_case": ("按受理编号打开", "Open by tracking number"), "open": ("打开", "Open"),
    # login
    "login": ("登录", "Log in"), "username": ("用户名", "User name"), "password": ("密码", "Password"),
    "login_failed": ("用户名或密码错误。", "Wrong user name or password."),
    "login_locked": ("登录失败次数过多，该用户名已暂时锁定，请稍后再试。",
                     "Too many failed logins: this user name is locked for a while; please try again later."),
    "session_ended": ("会话已过期，请重新登录。", "Your session ended; please log in again."),
    "logged_out": ("您已安全退出。", "You are logged out."),
    # queue
    "filters": ("筛选", "Filters"), "apply": ("筛选", "Apply"), "reset": ("清除", "Reset"), "all": ("全部", "All"),
    "channel": ("渠道", "Channel"), "kind": ("类型", "Kind"), "category": ("类别", "Category"),
    "status": ("状态", "Status"), "department": ("部门", "Department"), "overdue": ("仅超期", "Overdue only"),
    "cluster": ("重复线索组", "Duplicate cluster"), "priority": ("优先级", "Priority"), "due": ("期限", "Due"),
    "state": ("队列状态", "Queue state"), "holder": ("处理人", "Held by"), "actions": ("操作", "Actions"),
    "claim": ("认领", "Claim"), "release": ("放回队列", "Release"), "continue": ("继续处理", "Continue"),
    "count_open": ("待认领", "Open"),
    "count_claimed": ("处理中", "Claimed"), "count_live": ("在线等待", "Live waiting"),
    "count_overdue": ("已超期", "Overdue"), "count_p1": ("重大紧急", "P1"),
    "queue_changed": ("队列已更新，", "The queue changed; "), "reload": ("刷新", "reload"),
    "empty_queue": ("没有符合条件的事项。", "Nothing matches."),
    "live": ("在线对话", "Live conversation"), "item_case": ("事项", "Case"),
    "my_department_cases": ("本部门承办事项", "Cases of my department"), "role": ("角色", "Role"),
    "lead": ("主办", "Lead"), "cooperating": ("协办", "Cooperating"),
    # item states, kinds
    "state_open": ("待认领", "open"), "state_claimed": ("处理中", "claimed"), "state_done": ("已完成", "done"),
    "kind_complaint": ("投诉", "Complaint"), "kind_report": ("举报", "Report"), "kind_live": ("在线对话", "Live"),
    # case page
    "case": ("事项", "Case"), "tracking_no": ("受理编号", "Tracking number"), "fields": ("基本信息", "Details"),
    "description": ("事情经过", "Description"), "target": ("被投诉/举报对象", "Target"),
    "occurred_at": ("发生时间", "Occurred at"), "received_at": ("受理时间", "Received at"),
    "jurisdiction": ("管辖", "Jurisdiction"), "first_receiver": ("首问负责人", "First receiver"),
    "assignee": ("承办人", "Assignee"), "anonymous": ("匿名", "Anonymous"), "yes": ("是", "yes"), "no": ("否", "no"),
    "identity": ("举报人身份", "Reporter identity"), "encrypted": ("已加密", "Encrypted"),
    "no_identity": ("未提供身份信息", "No identity given"),
    "reveal": ("查看身份", "Reveal identity"),
    "reveal_reason": ("查看理由(将记入审计)", "Reason (recorded in the audit)"),
    "identity_name": ("姓名", "Name"), "identity_organisation": ("单位", "Organisation"),
    "identity_phone": ("电话", "Phone"),
    "identity_email": ("电子邮箱", "Email"), "identity_address": ("地址", "Address"),
    "contact_route": ("联系途径", "Contact route"),
    "evidence": ("证据材料", "Evidence"), "download": ("下载", "Download"), "size": ("大小", "Size"),
    "no_evidence": ("无证据材料", "No evidence"),
    "timeline": ("沟通记录(全部渠道)", "Conversation (all channels)"), "no_timeline": ("暂无记录", "Nothing yet"),
    "audit_trail": ("审计记录", "Audit trail"), "actor": ("操作人", "Actor"), "action": ("操作", "Action"),
    "reason": ("理由", "Reason"), "at": ("时间", "Time"),
    "sla": ("办理时限", "Deadlines"), "remaining": ("剩余工作时间", "Working time left"),
    "clock_acknowledge": ("受理确认", "Acknowledge"), "clock_progress_notice": ("进展告知", "Progress notice"),
    "clock_answer": ("书面答复", "Written answer"), "clock_review": ("复核", "Review"),
    "urgency_green": ("充裕", "on track"),
    "urgency_amber": ("临近", "due soon"), "urgency_red": ("紧急/超期", "urgent"),
    "urgency_met": ("已完成", "met"), "hours": ("小时", "h"), "overdue_by": ("已超期", "overdue by"),
    "duplicates": ("同一对象的其他事项", "Other cases about the same target"), "none": ("无", "none"),
    "reply": ("回复群众", "Reply to the citizen"), "reply_text": ("回复内容", "Message"), "send": ("发送", "Send"),
    "insert_canned": ("插入常用回复", "Insert a canned response"),
    "change_status": ("变更状态", "Change status"), "new_status": ("新状态", "New status"),
    "status_reason": ("变更理由(必填)", "Reason (required)"), "save": ("保存", "Save"),
    "assign": ("分派承办部门", "Assign departments"), "lead_department": ("主办部门", "Lead department"),
    "cooperating_departments": ("协办部门", "Cooperating departments"), "assigned": ("承办部门", "Departments"),
    "progress": ("办理进展", "Progress"), "progress_text": ("进展情况", "Progress report"),
    "report_progress": ("报告进展", "Report progress"),
    "transfer": ("移送有权处理机关", "Transfer to the competent body"),
    "external_body": ("接收机关", "Receiving body"),
    "extend": ("延长答复期限(负责人批准)", "Extend the deadline (supervisor approval)"),
    "extend_once": ("按正式程序延长30日，仅可一次。", "Thirty more days under the formal procedure, once."),
    "extended": ("已延期", "Extended"),
    "answer": ("处理决定与书面答复", "Decision and written answer"),
    "written_answer": ("书面答复(将发送给群众)", "Written answer (sent to the citizen)"),
    "public_answer": ("已发送的书面答复", "Written answer sent"),
    "send_answer": ("作出决定并答复", "Decide and answer"),
    "close": ("办结", "Close"), "close_reason": ("办结说明", "Closing note"),
    "live_chat": ("在线对话", "Live conversation"), "hand_back": ("交还自动助手", "Hand back to the bot"),
    "citizen": ("群众", "Citizen"),
    "bot": ("自动助手", "Bot"), "staff": ("工作人员", "Staff"), "note": ("备注", "Note"),
    # messages after actions
    "done_reply": ("回复已发送。", "Reply queued."), "done_status": ("状态已变更。", "Status changed."),
    "done_assign": ("已分派。", "Departments assigned."), "done_progress": ("进展已记录。", "Progress recorded."),
    "done_transfer": ("已移送并告知群众。", "Transferred; the citizen was told."),
    "done_extend": ("期限已延长。", "Deadline extended."),
    "done_answer": ("书面答复已发送。", "Written answer sent."),
    "done_close": ("事项已办结。", "Case closed."), "done_claim": ("已认领。", "Claimed."),
    "done_saved": ("已保存。", "Saved."),
    "error": ("操作未完成:", "Not done:"),
    "forbidden": ("无权访问", "Not allowed"),
    "forbidden_text": ("您的角色无权进行此操作。", "Your role does not allow this."),
    "not_found": ("未找到", "Not found"),
    "bad_request": ("请求无效", "Invalid request"),
    "csrf_failed": ("表单已失效，请刷新页面后重试。", "The form expired; reload the page and try again."),
    "err_validation_failed": ("输入不完整或有误。", "Missing or invalid input."),
    "err_transition_not_allowed": ("当前状态不允许此操作。", "Not allowed in the case's current status."),
    "err_work_item_unavailable": ("该事项已被他人认领或已完成。", "Another member of staff holds it, or it is done."),
    "err_work_item_not_found": ("没有该队列事项。", "No such queue item."),
    "err_case_not_found": ("没有该事项。", "No such case."),
    "err_storage_unavailable": ("数据库暂时不可用，请稍后再试。", "The database is unavailable; try again later."),
    "lookup_failed": ("受理编号格式不正确。", "That is not a tracking number."),
    # notifications and audit
    "unread": ("未读", "Unread"),
    "mark_read": ("标为已读", "Mark read"), "no_notifications": ("没有新通知", "No news"),
    "notification_escalation": ("重大紧急事项上报", "P1 escalation"),
    "chain": ("链", "Chain"), "search": ("查询", "Search"),
    # admin
    "add_user": ("新增用户", "Add user"), "display_name": ("显示名称", "Display name"), "roles": ("角色", "Roles"),
    "active": ("启用", "Active"), "add_department": ("新增部门", "Add department"), "code": ("代码", "Code"),
    "name_zh": ("中文名称", "Chinese name"), "name_en": ("英文名称", "English name"),
    "external": ("外部机关", "External body"), "add_canned": ("新增常用回复", "Add canned response"),
    "title": ("标题", "Title"), "text_zh": ("中文内容", "Chinese text"), "text_en": ("英文内容", "English text"),
    "disable": ("停用", "Disable"), "enable": ("启用", "Enable"),
    "role_agent": ("坐席", "agent"),
    "role_handler": ("承办人", "handler"), "role_supervisor": ("负责人", "supervisor"),
    "role_custodian": ("身份保管人", "custodian"),
    "role_auditor": ("审计员", "auditor"), "role_admin": ("管理员", "admin"),
    # statuses
    "status_received": ("已接收", "received"), "status_registered": ("已受理", "registered"),
    "status_assigned": ("已分派", "assigned"), "status_investigating": ("调查处理中", "investigating"),
    "status_decided": ("已作出决定", "decided"), "status_answered": ("已答复", "answered"),
    "status_closed": ("已办结", "closed"), "status_archived": ("已归档", "archived"),
    "status_out_of_scope": ("不属于受理范围", "out of scope"), "status_referred": ("已移送", "referred"),
    "status_review_requested": ("已申请复核", "review requested"), "status_under_review": ("复核中", "under review"),
}

CATALOGUE: dict[str, dict[str, str]] = {
    "zh": {key: pair[0] for key, pair in _PAIRS.items()},
    "en": {key: pair[1] for key, pair in _PAIRS.items()},
}


def label(locale: str, key: str) -> str:
    """The label in `locale`; an unknown key shows as itself so a gap is visible, not fatal."""
    return CATALOGUE.get(locale, CATALOGUE["zh"]).get(key, key)


def pick_locale(value: str | None, fallback: str = "zh") -> str:
    return value if value in LOCALES else fallback

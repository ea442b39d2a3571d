<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>ApprovalDialog</name>
    <message>
        <source>Manager approval</source>
        <translation>店长审批</translation>
    </message>
    <message>
        <source>A manager must approve this</source>
        <translation>此操作需店长审批</translation>
    </message>
    <message>
        <source>Manager code</source>
        <translation>店长工号</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>e.g. M001</source>
        <translation>例如 M001</translation>
    </message>
    <message>
        <source>4 to 8 digits</source>
        <translation>4–8 位数字</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>验证中…</translation>
    </message>
    <message>
        <source>Approve</source>
        <translation>批准</translation>
    </message>
    <message>
        <source>Enter the manager&apos;s staff code.</source>
        <translation>请输入店长工号。</translation>
    </message>
</context>
<context>
    <name>AwardDialog</name>
    <message>
        <source>Award points</source>
        <translation>积分累计</translation>
    </message>
    <message>
        <source>Award points on a purchase</source>
        <translation>按消费金额累计积分</translation>
    </message>
    <message>
        <source>Purchase (yuan)</source>
        <translation>消费金额（元）</translation>
    </message>
    <message>
        <source>Receipt number</source>
        <translation>小票号</translation>
    </message>
    <message>
        <source>Bonus</source>
        <translation>加赠</translation>
    </message>
    <message>
        <source>Scan or type the receipt number</source>
        <translation>扫描或输入小票号</translation>
    </message>
    <message>
        <source>Coupons</source>
        <translation>用券</translation>
    </message>
    <message>
        <source>%1 (until %2)</source>
        <translation>%1（至 %2）</translation>
    </message>
    <message>
        <source>The POS&apos;s sale waiting: the points go to it, and the POS is told.</source>
        <translation>收银机的待结算：积分记入这笔销售，并告知收银机。</translation>
    </message>
    <message numerus="yes">
        <source>The POS&apos;s sale waiting (%n item(s)): the points go to it, and the POS is told.</source>
        <translation>
            <numerusform>收银机待结算（%n 件）：积分记入这笔消费，并通知收银机。</numerusform>
        </translation>
    </message>
    <message>
        <source>The POS asks to redeem %1 points too.</source>
        <translation>收银机还要求抵扣 %1 积分。</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>保存中…</translation>
    </message>
    <message>
        <source>Award (Enter)</source>
        <translation>确认累计 (Enter)</translation>
    </message>
    <message numerus="yes">
        <source>+%1 point(s)</source>
        <translation>
            <numerusform>+%1 积分</numerusform>
        </translation>
    </message>
    <message>
        <source>birthday month</source>
        <translation>生日月</translation>
    </message>
    <message>
        <source>Own bag</source>
        <translation>自带购物袋</translation>
    </message>
    <message>
        <source>%1 (+%2 %)</source>
        <translation>%1（+%2%）</translation>
    </message>
    <message>
        <source>Points are previewed as you type the amount.</source>
        <translation>输入金额后即可预览积分。</translation>
    </message>
    <message>
        <source>%1 base</source>
        <translation>基础 %1</translation>
    </message>
    <message>
        <source>coupons %1 off</source>
        <translation>用券优惠 %1</translation>
    </message>
    <message>
        <source>birthday month ×%1 %</source>
        <translation>生日月 ×%1%</translation>
    </message>
    <message>
        <source>%1 bonus</source>
        <translation>加赠 %1</translation>
    </message>
</context>
<context>
    <name>BoardPage</name>
    <message>
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <source>Last 7 days</source>
        <translation>近7天</translation>
    </message>
    <message>
        <source>Last 30 days</source>
        <translation>近30天</translation>
    </message>
    <message>
        <source>Active members</source>
        <extracomment>(objectName suffix, label, how the window&apos;s figure is written)</extracomment>
        <translation>活跃会员</translation>
    </message>
    <message>
        <source>New members</source>
        <translation>新增会员</translation>
    </message>
    <message>
        <source>Repurchase rate</source>
        <translation>复购率</translation>
    </message>
    <message>
        <source>Points usage rate</source>
        <translation>积分使用率</translation>
    </message>
    <message>
        <source>Average ticket, members</source>
        <translation>会员客单价</translation>
    </message>
    <message>
        <source>Average ticket, no member</source>
        <translation>非会员客单价</translation>
    </message>
    <message>
        <source>Members&apos; share of sales</source>
        <translation>会员销售占比</translation>
    </message>
    <message>
        <source>Wake-up rate of the contacted</source>
        <translation>已联系会员唤醒率</translation>
    </message>
    <message>
        <source>Coupons used / issued</source>
        <translation>用券 / 发券</translation>
    </message>
    <message>
        <source>Segment mix</source>
        <translation>分群构成</translation>
    </message>
    <message>
        <source>Tiers</source>
        <translation>等级分布</translation>
    </message>
    <message>
        <source>Segment mix, last 90 days (% of members)</source>
        <translation>近90天分群趋势（占会员 %）</translation>
    </message>
    <message>
        <source>As of %1</source>
        <translation>数据截至 %1</translation>
    </message>
    <message>
        <source>Save the board as PDF</source>
        <translation>将看板保存为 PDF</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <source>The PDF could not be saved there. Choose another folder.</source>
        <translation>无法在该位置保存 PDF，请选择其他文件夹。</translation>
    </message>
    <message>
        <source>Saved to %1</source>
        <translation>已保存到 %1</translation>
    </message>
    <message>
        <source>Member board</source>
        <translation>会员看板</translation>
    </message>
    <message>
        <source>No figures yet: they come from head office with the next sync.</source>
        <translation>暂无数据：下次同步时由总部下发。</translation>
    </message>
    <message>
        <source>Save as PDF…</source>
        <translation>保存为 PDF…</translation>
    </message>
    <message>
        <source>This store</source>
        <translation>本店</translation>
    </message>
    <message>
        <source>Whole chain</source>
        <translation>全连锁</translation>
    </message>
    <message>
        <source>12-month spend per buying member (LTV)</source>
        <translation>消费会员近12个月人均消费（LTV）</translation>
    </message>
</context>
<context>
    <name>CandidateList</name>
    <message>
        <source>Phone</source>
        <translation>手机号</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Tier</source>
        <translation>等级</translation>
    </message>
    <message>
        <source>Last visit</source>
        <translation>最近到店</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>积分</translation>
    </message>
</context>
<context>
    <name>DayReportView</name>
    <message>
        <source>Day report %1, store %2</source>
        <translation>日结报表 %1，门店 %2</translation>
    </message>
    <message>
        <source>Till %1 · made %2 · times in the store&apos;s zone</source>
        <translation>收银机 %1 · 生成于 %2 · 时间按门店时区</translation>
    </message>
    <message>
        <source>Last complete sync: %1</source>
        <translation>最近一次完整同步：%1</translation>
    </message>
    <message>
        <source>This till has not completed a sync yet.</source>
        <translation>本机尚未完成过同步。</translation>
    </message>
    <message>
        <source>Points and new members by staff</source>
        <translation>按员工统计积分与新会员</translation>
    </message>
    <message>
        <source>Reversed, Refunds: count (points). Purchases less money refunded. Entries the server rejected are left out: see below.</source>
        <translation>冲正、退货栏：笔数（积分）。消费额已减去退款。服务器拒绝的记录不计入，见下表。</translation>
    </message>
    <message>
        <source>The day&apos;s entries and the server</source>
        <translation>当日记录的同步情况</translation>
    </message>
    <message>
        <source>No points entries and no new members on this day.</source>
        <translation>当日没有积分记录，也没有新会员。</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>员工</translation>
    </message>
    <message>
        <source>Entries</source>
        <translation>笔数</translation>
    </message>
    <message>
        <source>Awarded</source>
        <translation>累计积分</translation>
    </message>
    <message>
        <source>Redeemed</source>
        <translation>抵扣积分</translation>
    </message>
    <message>
        <source>Reversed</source>
        <translation>冲正</translation>
    </message>
    <message>
        <source>Refunds</source>
        <translation>退货</translation>
    </message>
    <message>
        <source>Net</source>
        <translation>净积分</translation>
    </message>
    <message>
        <source>Purchases</source>
        <translation>消费金额</translation>
    </message>
    <message>
        <source>New members</source>
        <translation>新会员</translation>
    </message>
    <message>
        <source>Total</source>
        <translation>合计</translation>
    </message>
    <message>
        <source>Sales without a member: %1 (%2). Members&apos; share of sales: %3 %.</source>
        <translation>非会员消费：%1 笔（%2）。会员消费占比：%3%。</translation>
    </message>
    <message>
        <source>Coupons used: %1 (%2 off).</source>
        <translation>用券 %1 张（共优惠 %2）。</translation>
    </message>
    <message>
        <source>Flagged as used at another till: %1.</source>
        <translation>其中已在其他收银台使用、被标记：%1 张。</translation>
    </message>
    <message>
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <source>Applied by the server</source>
        <translation>服务器已入账</translation>
    </message>
    <message>
        <source>Still to send</source>
        <translation>待上传</translation>
    </message>
    <message>
        <source>Flagged (applied, to check)</source>
        <translation>待核查（已入账）</translation>
    </message>
    <message>
        <source>Rejected (not applied)</source>
        <translation>已拒绝（未入账）</translation>
    </message>
    <message>
        <source>Day report</source>
        <translation>日结报表</translation>
    </message>
    <message>
        <source>Print the day report</source>
        <translation>打印日结报表</translation>
    </message>
    <message>
        <source>Save the day report as PDF</source>
        <translation>将日结报表保存为 PDF</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <source>The PDF could not be saved there. Choose another folder.</source>
        <translation>无法将 PDF 保存到该位置，请选择其他文件夹。</translation>
    </message>
    <message>
        <source>Saved to %1</source>
        <translation>已保存到 %1</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Print…</source>
        <translation>打印…</translation>
    </message>
    <message>
        <source>Save as PDF…</source>
        <translation>另存为 PDF…</translation>
    </message>
</context>
<context>
    <name>DialogScan</name>
    <message>
        <source>Finish or cancel this first</source>
        <translation>请先完成或取消当前操作</translation>
    </message>
</context>
<context>
    <name>Display</name>
    <message>
        <source>Categories</source>
        <extracomment>Preference kinds in the order a guide asks about them (the member card, the preferences page and its chooser).</extracomment>
        <translation>品类</translation>
    </message>
    <message>
        <source>Sizes</source>
        <translation>尺码</translation>
    </message>
    <message>
        <source>Colours</source>
        <translation>颜色</translation>
    </message>
    <message>
        <source>Styles</source>
        <translation>风格</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Notes</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>Earned</source>
        <translation>累计</translation>
    </message>
    <message>
        <source>Redeemed</source>
        <translation>抵扣</translation>
    </message>
    <message>
        <source>Reversal</source>
        <translation>冲正</translation>
    </message>
    <message>
        <source>Adjustment</source>
        <translation>调整</translation>
    </message>
    <message>
        <source>Refund</source>
        <translation>退货</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>过期</translation>
    </message>
    <message>
        <source>Gift</source>
        <translation>兑换礼品</translation>
    </message>
    <message>
        <source>Enrolment</source>
        <translation>新会员入会</translation>
    </message>
    <message>
        <source>Points entry</source>
        <translation>积分记录</translation>
    </message>
    <message>
        <source>Preference</source>
        <translation>偏好</translation>
    </message>
    <message>
        <source>Member&apos;s consent</source>
        <translation>会员授权</translation>
    </message>
    <message>
        <source>Member&apos;s details</source>
        <translation>会员资料</translation>
    </message>
    <message>
        <source>Sale (no member)</source>
        <translation>无会员销售</translation>
    </message>
    <message>
        <source>Contact list: outcome</source>
        <translation>需关注会员：处理结果</translation>
    </message>
    <message>
        <source>Coupon used</source>
        <translation>用券</translation>
    </message>
    <message>
        <source>Coupon given</source>
        <translation>店长发券</translation>
    </message>
    <message>
        <source>Not synced yet</source>
        <translation>待同步</translation>
    </message>
    <message>
        <source>Synced</source>
        <translation>已同步</translation>
    </message>
    <message>
        <source>Flagged</source>
        <translation>待核查</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>已拒绝</translation>
    </message>
    <message>
        <source>Applied</source>
        <translation>已入账</translation>
    </message>
    <message>
        <source>Sent before</source>
        <translation>之前已上传</translation>
    </message>
    <message>
        <source>Merged</source>
        <translation>已合并</translation>
    </message>
    <message>
        <source>High-value loyal</source>
        <translation>高价值忠诚会员</translation>
    </message>
    <message>
        <source>Potential, to nurture</source>
        <translation>潜力会员·待培育</translation>
    </message>
    <message>
        <source>Dormant, to win back</source>
        <translation>沉睡会员·待唤醒</translation>
    </message>
    <message>
        <source>New member</source>
        <translation>新会员</translation>
    </message>
    <message>
        <source>Standard</source>
        <translation>普通</translation>
    </message>
    <message>
        <source>Silver</source>
        <translation>银卡</translation>
    </message>
    <message>
        <source>Gold</source>
        <translation>金卡</translation>
    </message>
    <message>
        <source>Platinum</source>
        <translation>白金</translation>
    </message>
    <message>
        <source>Basic</source>
        <translation>基础属性</translation>
    </message>
    <message>
        <source>Behaviour</source>
        <translation>行为</translation>
    </message>
    <message>
        <source>Prediction</source>
        <translation>预测</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
</context>
<context>
    <name>EnrolDialog</name>
    <message>
        <source>New member</source>
        <translation>新会员登记</translation>
    </message>
    <message>
        <source>Enrol a new member</source>
        <translation>登记新会员</translation>
    </message>
    <message>
        <source>Mobile phone</source>
        <translation>手机号</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Birthday</source>
        <translation>生日</translation>
    </message>
    <message>
        <source>Gender</source>
        <translation>性别</translation>
    </message>
    <message>
        <source>Referred by</source>
        <translation>推荐人</translation>
    </message>
    <message>
        <source>11-digit mobile number</source>
        <translation>11 位手机号</translation>
    </message>
    <message>
        <source>As the member wants to be called</source>
        <translation>会员希望的称呼</translation>
    </message>
    <message>
        <source>YYYY-MM-DD (optional)</source>
        <translation>YYYY-MM-DD（选填）</translation>
    </message>
    <message>
        <source>The referring member&apos;s mobile (optional)</source>
        <translation>推荐会员的手机号（选填）</translation>
    </message>
    <message>
        <source>Not given</source>
        <translation>未填写</translation>
    </message>
    <message>
        <source>Female</source>
        <translation>女</translation>
    </message>
    <message>
        <source>Male</source>
        <translation>男</translation>
    </message>
    <message>
        <source>Agrees to receive offers and news (marketing)</source>
        <translation>同意接收优惠及活动信息（营销）</translation>
    </message>
    <message>
        <source>Agrees that staff note their preferences (sizes, styles…)</source>
        <translation>同意店员记录其偏好（尺码、风格等）</translation>
    </message>
    <message>
        <source>Open this member</source>
        <translation>打开该会员</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>保存中…</translation>
    </message>
    <message>
        <source>Enrol (Enter)</source>
        <translation>确认登记 (Enter)</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>This phone was already a member at another store: the enrolment joined that member.</source>
        <translation>该手机号已在其他门店入会：本次登记已合并到该会员。</translation>
    </message>
    <message>
        <source>The new member is saved.</source>
        <translation>新会员已保存。</translation>
    </message>
    <message>
        <source>It is %1 (%2).</source>
        <translation>该会员为 %1（%2）。</translation>
    </message>
</context>
<context>
    <name>GiftDialog</name>
    <message>
        <source>Saving…</source>
        <translation>保存中…</translation>
    </message>
    <message>
        <source>Hand over (Enter)</source>
        <translation>兑换 (Enter)</translation>
    </message>
    <message>
        <source>Gifts for points</source>
        <translation>兑换礼品</translation>
    </message>
    <message>
        <source>Choose a gift</source>
        <translation>选择礼品</translation>
    </message>
    <message>
        <source>%1 — %2 points · %3 left</source>
        <translation>%1 — %2 积分 · 剩余 %3</translation>
    </message>
    <message>
        <source>not offered today</source>
        <translation>今日不可兑换</translation>
    </message>
    <message>
        <source>not enough points</source>
        <translation>积分不足</translation>
    </message>
    <message>
        <source>The chain offers no gifts at this store yet.</source>
        <translation>本店暂无可兑换的礼品。</translation>
    </message>
</context>
<context>
    <name>GiveCouponDialog</name>
    <message>
        <source>Saving…</source>
        <translation>保存中…</translation>
    </message>
    <message>
        <source>Give (Enter)</source>
        <translation>发券 (Enter)</translation>
    </message>
    <message>
        <source>%1 off</source>
        <translation>减 %1</translation>
    </message>
    <message>
        <source>%1 % off</source>
        <translation>%1% 折扣</translation>
    </message>
    <message>
        <source>a gift</source>
        <translation>赠品</translation>
    </message>
    <message>
        <source>, on %1 or more</source>
        <translation>，满 %1 可用</translation>
    </message>
    <message>
        <source>Give a coupon</source>
        <translation>发券</translation>
    </message>
    <message>
        <source>Give the member a coupon</source>
        <translation>给会员发一张券</translation>
    </message>
    <message>
        <source>Coupons managers may still give at this till today: %1 of %2</source>
        <translation>本收银台今日还可发券：%1 / %2 张</translation>
    </message>
</context>
<context>
    <name>Keypad</name>
    <message>
        <source>Backspace</source>
        <translation>退格</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>清空</translation>
    </message>
    <message>
        <source>OK</source>
        <translation>确定</translation>
    </message>
</context>
<context>
    <name>LoginDialog</name>
    <message>
        <source>MemberDesk — staff login — %1</source>
        <translation>MemberDesk — 员工登录 — %1</translation>
    </message>
    <message>
        <source>MemberDesk — staff login</source>
        <translation>MemberDesk — 员工登录</translation>
    </message>
    <message>
        <source>MemberDesk</source>
        <translation>MemberDesk</translation>
    </message>
    <message>
        <source>Staff code</source>
        <translation>工号</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>e.g. C001</source>
        <translation>例如 C001</translation>
    </message>
    <message>
        <source>4 to 8 digits</source>
        <translation>4–8 位数字</translation>
    </message>
    <message>
        <source>Log in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Checking…</source>
        <translation>验证中…</translation>
    </message>
    <message>
        <source>Enter your staff code.</source>
        <translation>请输入工号。</translation>
    </message>
</context>
<context>
    <name>LookupHome</name>
    <message numerus="yes">
        <source>%n record(s) of this till wait to be sent to head office.</source>
        <translation>
            <numerusform>本收银台有 %n 条记录待上传到总部。</numerusform>
        </translation>
    </message>
    <message>
        <source>Everything this till recorded has been sent to head office.</source>
        <translation>本收银台的记录已全部上传到总部。</translation>
    </message>
    <message>
        <source>Birthday today</source>
        <translation>今天生日</translation>
    </message>
    <message>
        <source>Served here lately</source>
        <translation>本收银台最近服务</translation>
    </message>
    <message>
        <source>No regular customer has a birthday today.</source>
        <translation>今天没有常客过生日。</translation>
    </message>
    <message>
        <source>Nobody served at this till yet.</source>
        <translation>本收银台还没有服务过会员。</translation>
    </message>
</context>
<context>
    <name>LookupPage</name>
    <message>
        <source>Type the last 4 digits or the whole 11-digit phone number.</source>
        <extracomment>Search as you type: after this pause, or at once from this many characters on.</extracomment>
        <translation>请输入手机号后 4 位或完整的 11 位手机号。</translation>
    </message>
    <message>
        <source>Showing the first %1 of %2 members (most recent visit first): type more to narrow, or choose with the arrow keys.</source>
        <translation>显示前 %1 位，共 %2 位（最近到店在前）：继续输入可缩小范围，或用方向键选择。</translation>
    </message>
    <message numerus="yes">
        <source>%n member(s) found: choose with the arrow keys and Enter.</source>
        <translation>
            <numerusform>找到 %n 位会员：用方向键选择，按回车确认。</numerusform>
        </translation>
    </message>
    <message>
        <source>Find a member</source>
        <translation>查找会员</translation>
    </message>
    <message>
        <source>Scan the member code, or type a phone number, its last 4 digits or a name</source>
        <translation>扫描会员码，或输入手机号、手机号后 4 位或姓名</translation>
    </message>
    <message>
        <source>A scan lands here wherever the cursor is. Last 4 digits list the members to choose from.</source>
        <translation>无论光标在哪里，扫码内容都会填入此处。输入后 4 位会列出匹配的会员供选择。</translation>
    </message>
    <message>
        <source>Enrol this phone as a new member</source>
        <translation>用此手机号登记新会员</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Sale without member recorded (receipt %1).</source>
        <translation>无会员销售已记录（小票 %1）。</translation>
    </message>
    <message>
        <source>MemberDesk — %1</source>
        <translation>MemberDesk — %1</translation>
    </message>
    <message>
        <source>unregistered</source>
        <translation>未注册</translation>
    </message>
    <message>
        <source>MemberDesk</source>
        <translation>MemberDesk</translation>
    </message>
    <message>
        <source>Lookup
F1</source>
        <translation>查询
F1</translation>
    </message>
    <message>
        <source>New member
F5</source>
        <translation>新会员
F5</translation>
    </message>
    <message>
        <source>Preferences
F6</source>
        <translation>偏好
F6</translation>
    </message>
    <message>
        <source>Sync / day end
F9</source>
        <translation>同步/日结
F9</translation>
    </message>
    <message>
        <source>To contact
F8</source>
        <translation>需关注
F8</translation>
    </message>
    <message>
        <source>Board</source>
        <translation>看板</translation>
    </message>
    <message>
        <source>Printer</source>
        <translation>打印机</translation>
    </message>
    <message>
        <source>Log out
F12</source>
        <translation>退出登录
F12</translation>
    </message>
    <message>
        <source>POS interface</source>
        <translation>POS 接口</translation>
    </message>
    <message>
        <source>Close MemberDesk on this till?</source>
        <translation>关闭本机的会员系统？</translation>
    </message>
    <message>
        <source>Points not yet uploaded stay saved and are uploaded after the next start.</source>
        <translation>尚未上传的积分记录已保存，下次启动后上传。</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Keep working</source>
        <translation>继续使用</translation>
    </message>
</context>
<context>
    <name>MemberActionDialog</name>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Manager approval…</source>
        <translation>店长审批…</translation>
    </message>
</context>
<context>
    <name>MemberCard</name>
    <message>
        <source>Available points</source>
        <translation>可用积分</translation>
    </message>
    <message>
        <source>Birthday month</source>
        <translation>生日月</translation>
    </message>
    <message>
        <source>incl. %1 not yet synced</source>
        <translation>含 %1 待同步</translation>
    </message>
    <message>
        <source>, </source>
        <translation>、</translation>
    </message>
    <message>
        <source>Tags: %1</source>
        <translation>标签：%1</translation>
    </message>
    <message>
        <source>Frequent categories: %1</source>
        <translation>常购品类：%1</translation>
    </message>
    <message>
        <source>Suggested: %1</source>
        <translation>建议：%1</translation>
    </message>
    <message>
        <source>%1 points expire on %2</source>
        <translation>%1 积分将于 %2 过期</translation>
    </message>
    <message>
        <source>%1 (until %2)</source>
        <translation>%1（至 %2）</translation>
    </message>
    <message>
        <source>Coupons: %1</source>
        <translation>可用券：%1</translation>
    </message>
    <message>
        <source>Top tier</source>
        <translation>已是最高等级</translation>
    </message>
    <message>
        <source>%1 more to %2</source>
        <translation>再消费 %1 升级%2</translation>
    </message>
    <message>
        <source>Without a purchase, %1 is kept until %2</source>
        <translation>若无消费，%1保留至 %2</translation>
    </message>
    <message>
        <source>not given</source>
        <translation>未填写</translation>
    </message>
    <message>
        <source>none yet</source>
        <translation>暂无</translation>
    </message>
    <message>
        <source>Birthday %1 · Last visit %2</source>
        <translation>生日 %1 · 最近到店 %2</translation>
    </message>
    <message>
        <source>No preferences recorded yet.</source>
        <translation>尚未记录偏好。</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
</context>
<context>
    <name>MemberCodeDialog</name>
    <message>
        <source>Member code</source>
        <translation>会员码</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>MemberCodePanel</name>
    <message>
        <source>Print</source>
        <translation>打印</translation>
    </message>
    <message>
        <source>Save as PNG</source>
        <translation>另存为 PNG</translation>
    </message>
    <message>
        <source>Getting the code…</source>
        <translation>正在获取会员码…</translation>
    </message>
    <message>
        <source>Meanwhile the member can be found by phone.</source>
        <translation>在此期间可用手机号查找该会员。</translation>
    </message>
    <message>
        <source>Sending the new member to the server…</source>
        <translation>正在将新会员上传到服务器…</translation>
    </message>
    <message>
        <source>Getting the card code from the server…</source>
        <translation>正在从服务器获取会员码…</translation>
    </message>
    <message>
        <source>Scan this code at any of our tills to find the member at once.</source>
        <translation>在任一门店收银台扫描此码，即可直接找到该会员。</translation>
    </message>
    <message>
        <source>The card code will be ready after the next sync.</source>
        <translation>下次同步后即可显示会员码。</translation>
    </message>
    <message>
        <source>The card code cannot be shown now.</source>
        <translation>暂时无法显示会员码。</translation>
    </message>
    <message>
        <source>This member&apos;s card was revoked: there is no code to show.</source>
        <translation>该会员卡已注销，没有可显示的会员码。</translation>
    </message>
    <message>
        <source>Print the member code</source>
        <translation>打印会员码</translation>
    </message>
    <message>
        <source>The printer could not be started. Check it and try again.</source>
        <translation>无法启动打印机，请检查后重试。</translation>
    </message>
    <message>
        <source>Show this code at the till to collect and use points.</source>
        <translation>结账时出示此码，即可累计和使用积分。</translation>
    </message>
    <message>
        <source>Member code</source>
        <translation>会员码</translation>
    </message>
    <message>
        <source>Save the member code</source>
        <translation>保存会员码</translation>
    </message>
    <message>
        <source>PNG image (*.png)</source>
        <translation>PNG 图片 (*.png)</translation>
    </message>
    <message>
        <source>The PNG could not be saved there. Choose another folder.</source>
        <translation>无法将 PNG 保存到该位置，请选择其他文件夹。</translation>
    </message>
    <message>
        <source>Saved as %1.</source>
        <translation>已保存为 %1。</translation>
    </message>
</context>
<context>
    <name>MemberEditDialog</name>
    <message>
        <source>Edit member</source>
        <translation>编辑会员</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Birthday</source>
        <translation>生日</translation>
    </message>
    <message>
        <source>New phone</source>
        <translation>新手机号</translation>
    </message>
    <message>
        <source>Old phone (to change it)</source>
        <translation>原手机号（改号时必填）</translation>
    </message>
    <message>
        <source>YYYY-MM-DD (empty: none)</source>
        <translation>年-月-日（留空：无）</translation>
    </message>
    <message>
        <source>Empty: the phone stays</source>
        <translation>留空：手机号不变</translation>
    </message>
    <message>
        <source>The member&apos;s current full number</source>
        <translation>会员当前的完整手机号</translation>
    </message>
    <message>
        <source>Saving…</source>
        <translation>保存中…</translation>
    </message>
    <message>
        <source>Save (Enter)</source>
        <translation>保存 (Enter)</translation>
    </message>
</context>
<context>
    <name>MemberPage</name>
    <message>
        <source>The points are saved; press Print slip to try again.</source>
        <translation>积分已保存；可按“打印小票”重试。</translation>
    </message>
    <message>
        <source>Printing the slip…</source>
        <translation>正在打印小票…</translation>
    </message>
    <message>
        <source>Slip printed.</source>
        <translation>小票已打印。</translation>
    </message>
    <message>
        <source>balance %1</source>
        <translation>余额 %1</translation>
    </message>
    <message>
        <source>%1 points</source>
        <translation>%1 积分</translation>
    </message>
    <message>
        <source>%1 off — take it off at the register</source>
        <translation>抵扣 %1 — 请在收银机减免</translation>
    </message>
    <message>
        <source>Reversed: %1</source>
        <translation>已冲正：%1</translation>
    </message>
    <message>
        <source>Gift handed over: %1</source>
        <translation>已兑换礼品：%1</translation>
    </message>
    <message>
        <source>Coupons: %1 off — take it off at the register</source>
        <translation>用券优惠 %1 — 请在收银机减免</translation>
    </message>
    <message>
        <source>Offline return of %1: %2</source>
        <translation>线下退货 %1：%2</translation>
    </message>
    <message>
        <source>Returned %1: %2</source>
        <translation>已退货 %1：%2</translation>
    </message>
    <message>
        <source>Award points</source>
        <translation>积分累计</translation>
    </message>
    <message>
        <source>Redeem points</source>
        <translation>积分抵扣</translation>
    </message>
    <message>
        <source>Reverse an entry</source>
        <translation>积分冲正</translation>
    </message>
    <message>
        <source>Return</source>
        <translation>退货</translation>
    </message>
    <message>
        <source>Preferences</source>
        <translation>偏好</translation>
    </message>
    <message>
        <source>Member code</source>
        <translation>会员码</translation>
    </message>
    <message>
        <source>Edit member</source>
        <translation>编辑会员</translation>
    </message>
    <message>
        <source>Reissue card</source>
        <translation>补发会员卡</translation>
    </message>
    <message>
        <source>Back to lookup</source>
        <translation>返回查询</translation>
    </message>
    <message>
        <source>Print slip</source>
        <translation>打印小票</translation>
    </message>
    <message>
        <source>Give a coupon…</source>
        <translation>发券…</translation>
    </message>
</context>
<context>
    <name>Messages</name>
    <message>
        <source>Wrong PIN. Tries left before this staff code is locked for %2 minutes: %1.</source>
        <translation>PIN 错误。还可再试 %1 次，之后此工号将锁定 %2 分钟。</translation>
    </message>
    <message>
        <source>Your role does not allow this.</source>
        <translation>您的角色无权进行此操作。</translation>
    </message>
    <message>
        <source>Wrong staff code or PIN.</source>
        <translation>工号或密码错误。</translation>
    </message>
    <message>
        <source>Too many wrong PINs: this staff code is locked until %1.</source>
        <translation>密码错误次数过多，该工号已锁定至 %1。</translation>
    </message>
    <message>
        <source>A PIN is 4 to 8 digits.</source>
        <translation>密码为 4–8 位数字。</translation>
    </message>
    <message>
        <source>Unknown staff code.</source>
        <translation>工号不存在。</translation>
    </message>
    <message>
        <source>No member found.</source>
        <translation>未找到会员。</translation>
    </message>
    <message>
        <source>This phone number already belongs to a member.</source>
        <translation>该手机号已注册为会员。</translation>
    </message>
    <message>
        <source>Enter the member&apos;s name: up to 32 characters, with letters, not only digits or signs.</source>
        <translation>请输入会员姓名：最多 32 个字，须含文字，不能只有数字或符号。</translation>
    </message>
    <message>
        <source>The birthday is not a possible date.</source>
        <translation>生日日期无效。</translation>
    </message>
    <message>
        <source>Choose a gender from the list or leave it empty.</source>
        <translation>请从列表中选择性别，或留空。</translation>
    </message>
    <message>
        <source>This purchase earns no points.</source>
        <translation>此笔消费不产生积分。</translation>
    </message>
    <message>
        <source>This receipt has already earned points.</source>
        <translation>该小票已累计过积分。</translation>
    </message>
    <message>
        <source>Enter the receipt number, of at most %1 characters.</source>
        <translation>请输入小票号，最多 %1 个字符。</translation>
    </message>
    <message>
        <source>Offline, at most %1 more points can be redeemed for this member today; a manager must approve more.</source>
        <translation>离线状态下，该会员今天最多还可抵扣 %1 积分；超出需店长审批。</translation>
    </message>
    <message>
        <source>Entries of more than %1 points need a manager&apos;s approval to reverse.</source>
        <translation>超过 %1 积分的记录需店长审批才能冲正。</translation>
    </message>
    <message>
        <source>That entry is not on this till.</source>
        <translation>该记录不在本机上。</translation>
    </message>
    <message>
        <source>That entry has already been reversed.</source>
        <translation>该记录已冲正。</translation>
    </message>
    <message>
        <source>That entry cannot be reversed.</source>
        <translation>该记录无法冲正。</translation>
    </message>
    <message>
        <source>Not enough points: %1 available.</source>
        <translation>积分不足：可用 %1 积分。</translation>
    </message>
    <message>
        <source>Only a purchase or a redemption can be refunded.</source>
        <translation>只有消费积分或积分抵扣可以退。</translation>
    </message>
    <message>
        <source>The member has not agreed to have preferences recorded.</source>
        <translation>该会员未同意记录偏好。</translation>
    </message>
    <message>
        <source>Enter a preference of up to 200 characters, once per member.</source>
        <translation>请输入偏好（最多 200 个字，同一会员不可重复）。</translation>
    </message>
    <message>
        <source>That preference no longer exists.</source>
        <translation>该偏好已不存在。</translation>
    </message>
    <message>
        <source>That member is no longer on the list. Sync to see the store&apos;s list as it is now.</source>
        <translation>该会员已不在名单上。请同步以查看本店最新名单。</translation>
    </message>
    <message>
        <source>This till cannot read member codes until it has synced with the server once.</source>
        <translation>本机需先与服务器完成一次同步，才能识别会员码。</translation>
    </message>
    <message>
        <source>The old number typed is not this member&apos;s: the phone was not changed.</source>
        <translation>输入的原手机号不是该会员的：手机号未修改。</translation>
    </message>
    <message>
        <source>Nothing was changed.</source>
        <translation>没有任何修改。</translation>
    </message>
    <message>
        <source>Type exactly the last 4 digits of the phone number.</source>
        <translation>请输入手机号的后 4 位数字。</translation>
    </message>
    <message>
        <source>The till&apos;s disk is full: nothing was saved. Free some space on this computer, then try again.</source>
        <translation>收银机磁盘已满，本次操作未保存。请清理这台电脑的磁盘空间后再试。</translation>
    </message>
    <message>
        <source>The till&apos;s database could not be read or written: nothing was saved. Restart the till; if this happens again, call support.</source>
        <translation>无法读写收银机的数据库，本次操作未保存。请重启收银机；如再次出现，请联系技术支持。</translation>
    </message>
    <message>
        <source>The till&apos;s database cannot be opened. Call support; nothing on the server is lost.</source>
        <translation>无法打开收银机的数据库。请联系技术支持；服务器上的数据不会丢失。</translation>
    </message>
    <message>
        <source>That is more than this sale has left to refund (%1 at most). Nothing was refunded.</source>
        <translation>超出了这笔销售还可退的金额（最多 %1）。未退款。</translation>
    </message>
    <message>
        <source>The POS&apos;s item lines do not add up to the total. Nothing was recorded; ring the sale up again.</source>
        <translation>收银机的商品明细与总额不符。未记录任何内容；请重新结账。</translation>
    </message>
    <message>
        <source>No member earned points with this receipt at that store: there are no points to give back. Check the receipt number and the store.</source>
        <translation>该门店的这张小票没有会员积分，没有可退回的积分。请核对小票号和门店。</translation>
    </message>
    <message>
        <source>This refund number was used for another refund: nothing was refunded. Give this one a new number.</source>
        <translation>这个退货单号已用于另一笔退货：未退款。请换一个新的单号。</translation>
    </message>
    <message>
        <source>This receipt earned points for another member: nothing was refunded. Open that member to do it.</source>
        <translation>这张小票的积分属于另一位会员：未退款。请打开该会员再办理。</translation>
    </message>
    <message>
        <source>Without the server, only a manager may take a return of another store&apos;s sale.</source>
        <translation>无法连接总部时，其他门店销售的退货只能由店长办理。</translation>
    </message>
    <message>
        <source>Take back at least 1 point and at most %1: what the money refunded earns, within the balance.</source>
        <translation>扣回积分至少 1 分、最多 %1 分：即退款金额对应的积分，且不超过余额。</translation>
    </message>
    <message>
        <source>Managers at this till have given today&apos;s %1 coupons already: give more tomorrow.</source>
        <translation>本收银台今日已发满 %1 张券：请明天再发。</translation>
    </message>
    <message>
        <source>No member of this till has the referrer&apos;s phone: check the number, or leave it empty.</source>
        <translation>本机没有这个推荐人手机号的会员：请核对号码，或留空。</translation>
    </message>
    <message>
        <source>The POS no longer has a sale waiting: nothing was recorded. Ring the sale up again on the POS.</source>
        <translation>POS 上已没有待确认的销售：未记录任何内容。请在 POS 上重新录入这笔销售。</translation>
    </message>
    <message>
        <source>Enter a phone number.</source>
        <translation>请输入手机号。</translation>
    </message>
    <message>
        <source>Not a valid mobile number: it contains letters.</source>
        <translation>手机号无效：含有字母。</translation>
    </message>
    <message>
        <source>Not a valid mobile number: it needs 11 digits.</source>
        <translation>手机号无效：应为 11 位数字。</translation>
    </message>
    <message>
        <source>Not a valid mobile number.</source>
        <translation>手机号无效。</translation>
    </message>
    <message>
        <source>Only mainland China mobile numbers are accepted.</source>
        <translation>仅支持中国大陆手机号。</translation>
    </message>
    <message>
        <source>Nothing was scanned.</source>
        <translation>未扫描到内容。</translation>
    </message>
    <message>
        <source>The code arrived in lowercase: is Caps Lock on?</source>
        <translation>扫到的码为小写：是否开启了大写锁定（Caps Lock）？</translation>
    </message>
    <message>
        <source>This is not a member code.</source>
        <translation>这不是会员码。</translation>
    </message>
    <message>
        <source>The code was not read completely: scan it again.</source>
        <translation>会员码未读取完整，请重新扫描。</translation>
    </message>
    <message>
        <source>This member code is not genuine.</source>
        <translation>该会员码校验未通过，不是真实的会员码。</translation>
    </message>
    <message>
        <source>This code is from a revoked card: ask for the member&apos;s phone.</source>
        <translation>该码来自已注销的会员卡，请询问会员手机号。</translation>
    </message>
    <message>
        <source>Enter the amount in yuan, with at most two decimals.</source>
        <translation>请输入金额（元），最多两位小数。</translation>
    </message>
    <message>
        <source>Enter an amount above zero.</source>
        <translation>请输入大于零的金额。</translation>
    </message>
    <message>
        <source>The amount is above the limit for one receipt (%1 yuan).</source>
        <translation>金额超过单张小票上限（%1 元）。</translation>
    </message>
    <message>
        <source>The member&apos;s tier is unknown: sync the till.</source>
        <translation>会员等级未知，请同步本机。</translation>
    </message>
    <message>
        <source>That bonus is not in the current rules.</source>
        <translation>当前积分规则中没有该加赠项。</translation>
    </message>
    <message>
        <source>Enter the points to redeem.</source>
        <translation>请输入要抵扣的积分。</translation>
    </message>
    <message>
        <source>At least %1 points must be redeemed at a time.</source>
        <translation>每次至少抵扣 %1 积分。</translation>
    </message>
    <message>
        <source>Points can pay only part of this bill: at most %1 points.</source>
        <translation>积分只能抵扣本单部分金额：最多 %1 积分。</translation>
    </message>
    <message>
        <source>Redeem points in steps of %1.</source>
        <translation>抵扣积分须为 %1 的整数倍。</translation>
    </message>
    <message>
        <source>Enter the bill amount first.</source>
        <translation>请先输入账单金额。</translation>
    </message>
    <message>
        <source>The bill is above the limit for one receipt (%1 yuan): check the amount.</source>
        <translation>账单金额超过单张小票上限（%1 元），请核对金额。</translation>
    </message>
    <message>
        <source>Points are whole numbers: enter them without a decimal point.</source>
        <translation>积分须为整数，请不要输入小数点。</translation>
    </message>
    <message>
        <source>This coupon cannot be used yet.</source>
        <translation>这张券还未到可用日期。</translation>
    </message>
    <message>
        <source>This coupon has expired.</source>
        <translation>这张券已过期。</translation>
    </message>
    <message>
        <source>The bill is below this coupon&apos;s minimum spend.</source>
        <translation>本单金额未达到这张券的最低消费。</translation>
    </message>
    <message>
        <source>This coupon cannot be used at this store.</source>
        <translation>这张券不能在本店使用。</translation>
    </message>
    <message>
        <source>This coupon is not for this member.</source>
        <translation>这张券不适用于该会员。</translation>
    </message>
    <message>
        <source>This coupon cannot go on one bill with the other coupons chosen.</source>
        <translation>这张券不能与所选的其他券在同一单使用。</translation>
    </message>
    <message>
        <source>The member does not hold this coupon, or it was already used at this till.</source>
        <translation>该会员没有这张券，或这张券已在本收银台使用过。</translation>
    </message>
    <message>
        <source>This gift is no longer in the catalogue: sync, then choose again.</source>
        <translation>礼品目录中已没有这件礼品：请同步后重新选择。</translation>
    </message>
    <message>
        <source>This gift is not offered today.</source>
        <translation>这件礼品今日不可兑换。</translation>
    </message>
    <message>
        <source>The server address must start with https:// (http only on this computer).</source>
        <translation>服务器地址须以 https:// 开头（仅本机地址可用 http）。</translation>
    </message>
    <message>
        <source>Not a server address: enter it like https://members.example.com.</source>
        <translation>服务器地址无效，请按 https://members.example.com 的格式输入。</translation>
    </message>
    <message>
        <source>The server does not answer. Work goes on offline.</source>
        <translation>服务器无响应，可继续离线工作。</translation>
    </message>
    <message>
        <source>The server is busy. The till will try again later.</source>
        <translation>服务器繁忙，本机稍后会自动重试。</translation>
    </message>
    <message>
        <source>The server no longer accepts this till: register it again.</source>
        <translation>服务器已不再接受本机，请重新注册。</translation>
    </message>
    <message>
        <source>This till was revoked at the server: register it again.</source>
        <translation>本机已在服务器端被停用，请重新注册。</translation>
    </message>
    <message>
        <source>The enrolment code is wrong, used or expired.</source>
        <translation>注册码错误、已被使用或已过期。</translation>
    </message>
    <message>
        <source>The server does not know this store code.</source>
        <translation>服务器上没有该门店编号。</translation>
    </message>
    <message>
        <source>A store code is 1 to 32 letters, digits, - or _ (e.g. S001).</source>
        <translation>门店编号为 1–32 位字母、数字、- 或 _（例如 S001）。</translation>
    </message>
    <message>
        <source>Enter the enrolment code from the head office (4 to 32 letters or digits).</source>
        <translation>请输入总部发放的注册码（4–32 位字母或数字）。</translation>
    </message>
    <message>
        <source>This till is not registered with a server yet.</source>
        <translation>本机尚未在服务器注册。</translation>
    </message>
    <message>
        <source>A sync is already running.</source>
        <translation>同步正在进行中。</translation>
    </message>
    <message>
        <source>The sync was stopped.</source>
        <translation>同步已停止。</translation>
    </message>
    <message>
        <source>The till&apos;s disk is full: the sync stopped, keeping what it had received. Free some space on this computer, then sync again.</source>
        <translation>收银机磁盘已满，同步已停止，已收到的数据均已保留。请清理这台电脑的磁盘空间后再同步。</translation>
    </message>
    <message>
        <source>The till&apos;s database could not be read or written: the sync stopped. Restart the till; if this happens again, call support.</source>
        <translation>无法读写收银机的数据库，同步已停止。请重启收银机；如再次出现，请联系技术支持。</translation>
    </message>
    <message>
        <source>The server could not read this item.</source>
        <translation>服务器无法读取此条记录。</translation>
    </message>
    <message>
        <source>The server has no such member (erased at head office, or never enrolled there).</source>
        <translation>服务器上没有该会员（已被总部删除，或从未入会）。</translation>
    </message>
    <message>
        <source>The entry it reverses or refunds is not known to the server.</source>
        <translation>服务器上没有它要冲正或退货的那笔记录。</translation>
    </message>
    <message>
        <source>That entry was already reversed elsewhere.</source>
        <translation>该记录已在其他收银机冲正。</translation>
    </message>
    <message>
        <source>That member is not on this store&apos;s contact list at head office (another store&apos;s, or removed).</source>
        <translation>总部的本店需关注名单上没有该会员（属于其他门店，或已移除）。</translation>
    </message>
    <message>
        <source>It breaks the points rules.</source>
        <translation>不符合积分规则。</translation>
    </message>
    <message>
        <source>The phone number is not a valid mobile number.</source>
        <translation>该手机号无效。</translation>
    </message>
    <message>
        <source>The points were already spent elsewhere: the redemption stands and the balance went below zero.</source>
        <translation>积分已在别处使用：本次抵扣仍然有效，积分余额已变为负数。</translation>
    </message>
    <message>
        <source>The member did not have enough points.</source>
        <translation>会员积分不足。</translation>
    </message>
    <message>
        <source>More money was refunded than the sale had left: the server moved the points of what was left.</source>
        <translation>退款超过该笔消费的剩余金额：服务器只按剩余金额扣回积分。</translation>
    </message>
    <message>
        <source>Head office has no such coupon for this member: the use was not recorded.</source>
        <translation>总部没有该会员的这张券：本次用券未记录。</translation>
    </message>
    <message>
        <source>The coupon&apos;s terms do not allow this bill (its days, minimum spend, stores, or the other coupons on the bill): the use was not recorded.</source>
        <translation>这张券的使用条件不允许用于这笔消费（有效期、最低消费、适用门店，或同单其他券）：本次用券未记录。</translation>
    </message>
    <message>
        <source>Head office&apos;s gift catalogue has no such gift on that day: the hand-out was not recorded.</source>
        <translation>总部礼品目录当天没有这件礼品：本次兑换未记录。</translation>
    </message>
    <message>
        <source>The store had none of that gift left by head office&apos;s count: recorded, check the stock.</source>
        <translation>按总部库存，本店这件礼品已无库存：已记录，请核对库存。</translation>
    </message>
    <message>
        <source>Beyond the store&apos;s daily limit of managers&apos; coupons (or the template&apos;s budget): given all the same.</source>
        <translation>超出本店店长每日发券限额（或券模板预算）：券已照发。</translation>
    </message>
    <message>
        <source>The coupon had already been used at another till: this use is recorded and flagged.</source>
        <translation>这张券已在其他收银台使用过：本次使用已记录并标记。</translation>
    </message>
    <message>
        <source>The server holds another item under the same number (a till restored from a backup?).</source>
        <translation>服务器上已有相同编号的其他记录（本机是否从备份恢复过？）。</translation>
    </message>
    <message>
        <source>More points than the rules allow: the server applied what the rules allow.</source>
        <translation>积分超出规则允许：服务器已按规则允许的积分入账。</translation>
    </message>
    <message>
        <source>Over the day&apos;s offline redemption limit at this till, without a manager&apos;s approval.</source>
        <translation>超出本机当日离线抵扣上限，且没有店长审批。</translation>
    </message>
    <message>
        <source>A reversal this large needs a manager&apos;s approval, and had none.</source>
        <translation>此金额的冲正需要店长审批，但没有审批。</translation>
    </message>
    <message>
        <source>The staff code is not an active member of staff of this store at the server.</source>
        <translation>服务器上该工号不是本店在职员工。</translation>
    </message>
    <message>
        <source>The staff member&apos;s role may not do this.</source>
        <translation>该员工的角色无权执行此操作。</translation>
    </message>
    <message>
        <source>The approval is not from an active manager of this store.</source>
        <translation>审批人不是本店在职店长。</translation>
    </message>
    <message>
        <source>It names another store than the one this till is registered to: recorded for this store.</source>
        <translation>记录写的是其他门店，而本机登记在本店：已按本店记录。</translation>
    </message>
    <message>
        <source>This till&apos;s clock was ahead of the server&apos;s: the entry counts from when it arrived.</source>
        <translation>本机时钟快于服务器：该记录按到达服务器的时间计。</translation>
    </message>
    <message>
        <source>It reached the server long after it was made: the till was offline too long.</source>
        <translation>该记录产生很久之后才到达服务器：本机离线时间过长。</translation>
    </message>
    <message>
        <source>It was made under points rules the server does not know: nothing was applied.</source>
        <translation>该记录使用了服务器未知的积分规则：未入账。</translation>
    </message>
    <message>
        <source>The member asked to be erased: nothing more is recorded about them.</source>
        <translation>该会员已要求删除个人信息：不再记录其任何数据。</translation>
    </message>
    <message>
        <source>The member has not agreed to have preferences recorded (or withdrew it).</source>
        <translation>该会员未同意（或已撤回同意）记录偏好。</translation>
    </message>
    <message>
        <source>The new phone number already belongs to another member: the member was not changed.</source>
        <translation>新手机号已属于另一位会员：会员信息未修改。</translation>
    </message>
    <message>
        <source>The member&apos;s name is not valid: it needs letters, not only digits or signs.</source>
        <translation>会员姓名无效：须含文字，不能只有数字或符号。</translation>
    </message>
    <message>
        <source>The birthday is not a possible date: the member was not changed.</source>
        <translation>生日不是有效日期：会员信息未修改。</translation>
    </message>
    <message>
        <source>No reason given.</source>
        <translation>未说明原因。</translation>
    </message>
    <message>
        <source>The server refused: only %1 points are available for this member now. Nothing was redeemed.</source>
        <translation>服务器拒绝：该会员当前仅有 %1 可用积分，未做任何抵扣。</translation>
    </message>
    <message>
        <source>No slip printer is set on this till.</source>
        <translation>本收银台还没有设置小票打印机。</translation>
    </message>
    <message>
        <source>The printer settings are not complete: %1.</source>
        <translation>打印机设置不完整：%1。</translation>
    </message>
    <message>
        <source>The printer was not found: check that it is on, its cable, and its address or IDs.</source>
        <translation>找不到打印机：请检查电源、连接线以及地址或设备编号。</translation>
    </message>
    <message>
        <source>The printer refused the connection: check the port, or whether another till is printing.</source>
        <translation>打印机拒绝连接：请检查端口，或是否有其他收银台正在打印。</translation>
    </message>
    <message>
        <source>The printer did not answer in time: check its paper, cover and cable.</source>
        <translation>打印机没有及时响应：请检查纸张、机盖和连接线。</translation>
    </message>
    <message>
        <source>This computer does not let MemberDesk use the printer: ask support to set its permissions.</source>
        <translation>这台电脑不允许 MemberDesk 使用打印机：请联系技术支持设置权限。</translation>
    </message>
    <message>
        <source>The USB printer driver is missing: ask support to install it, or connect by network.</source>
        <translation>缺少 USB 打印机驱动：请联系技术支持安装，或改用网络连接。</translation>
    </message>
    <message>
        <source>The disk is full: the slip could not be written.</source>
        <translation>磁盘已满，小票无法写入。</translation>
    </message>
    <message>
        <source>The printer reported a fault: check it and try again.</source>
        <translation>打印机报告故障：请检查后重试。</translation>
    </message>
    <message>
        <source>the USB vendor ID (4 hex digits)</source>
        <extracomment>The settings a BAD_SETTING names, in the printer dialog&apos;s words.</extracomment>
        <translation>USB 厂商编号（4 位十六进制）</translation>
    </message>
    <message>
        <source>the USB product ID (4 hex digits)</source>
        <translation>USB 产品编号（4 位十六进制）</translation>
    </message>
    <message>
        <source>the printer&apos;s address</source>
        <translation>打印机地址</translation>
    </message>
    <message>
        <source>the port (1 to 65535)</source>
        <translation>端口（1 至 65535）</translation>
    </message>
    <message>
        <source>the serial port</source>
        <translation>串口</translation>
    </message>
    <message>
        <source>the speed</source>
        <translation>波特率</translation>
    </message>
    <message>
        <source>the device file or shared printer</source>
        <translation>设备文件或共享打印机</translation>
    </message>
    <message>
        <source>Something went wrong; nothing was saved. Try again or call support.</source>
        <translation>出现错误，未保存任何内容。请重试或联系技术支持。</translation>
    </message>
    <message>
        <source>The sync did not finish (%1). Nothing was lost; try again later.</source>
        <translation>同步未完成（%1）。数据没有丢失，请稍后重试。</translation>
    </message>
</context>
<context>
    <name>PendingSaleBar</name>
    <message>
        <source>POS sale waiting: %1</source>
        <translation>收银机待结算：%1</translation>
    </message>
    <message numerus="yes">
        <source>POS sale waiting: %n item(s) %1</source>
        <translation>
            <numerusform>收银机待结算：%n 件 %1</numerusform>
        </translation>
    </message>
    <message>
        <source>redeem %1 points</source>
        <translation>抵扣 %1 积分</translation>
    </message>
    <message>
        <source>The points go to the member on screen.</source>
        <translation>积分记给当前屏幕上的会员。</translation>
    </message>
    <message>
        <source>Scan the member&apos;s code or type the phone to earn points.</source>
        <translation>扫会员码或输入手机号即可积分。</translation>
    </message>
    <message>
        <source>Confirming…</source>
        <translation>正在确认…</translation>
    </message>
    <message>
        <source>Confirm points</source>
        <translation>确认积分</translation>
    </message>
    <message>
        <source>Sale without member</source>
        <translation>无会员结账</translation>
    </message>
</context>
<context>
    <name>PosApi</name>
    <message>
        <source>The POS interface is stopped.</source>
        <translation>POS 接口已停止。</translation>
    </message>
    <message>
        <source>The POS interface is starting…</source>
        <translation>POS 接口正在启动…</translation>
    </message>
    <message>
        <source>The POS interface is running on 127.0.0.1, port %1.</source>
        <translation>POS 接口正在运行：127.0.0.1，端口 %1。</translation>
    </message>
    <message>
        <source>The POS interface did not start: port %1 is used by another program. The till works on; type amounts by hand, or ask a manager to choose another port.</source>
        <translation>POS 接口未能启动：端口 %1 已被其他程序占用。本机照常工作；请手动输入金额，或请店长换一个端口。</translation>
    </message>
    <message>
        <source>The POS interface did not start. The till works on; type amounts by hand, or call support.</source>
        <translation>POS 接口未能启动。本机照常工作；请手动输入金额，或联系技术支持。</translation>
    </message>
</context>
<context>
    <name>PosSettingsDialog</name>
    <message>
        <source>POS interface</source>
        <translation>POS 接口</translation>
    </message>
    <message>
        <source>For the POS vendor: the POS calls this till at the address below, with the shared secret in each request&apos;s header (Authorization: Bearer and the secret).</source>
        <translation>供收银系统厂商配置：收银机通过下面的地址调用本机，每个请求的请求头中带上共享密钥（Authorization: Bearer 加密钥）。</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <source>Use this port</source>
        <translation>使用此端口</translation>
    </message>
    <message>
        <source>Shared secret</source>
        <translation>共享密钥</translation>
    </message>
    <message>
        <source>Hidden: press Show</source>
        <translation>已隐藏：按“显示”查看</translation>
    </message>
    <message>
        <source>Hide</source>
        <translation>隐藏</translation>
    </message>
    <message>
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <source>Copied to the clipboard.</source>
        <translation>已复制到剪贴板。</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>PreferenceTree</name>
    <message>
        <source>%1: none yet</source>
        <translation>%1：暂无</translation>
    </message>
    <message>
        <source>%1 (%2)</source>
        <translation>%1（%2）</translation>
    </message>
    <message>
        <source>from purchases</source>
        <translation>来自消费记录</translation>
    </message>
    <message>
        <source>Preference</source>
        <translation>偏好</translation>
    </message>
    <message>
        <source>Recorded by</source>
        <translation>记录人</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
</context>
<context>
    <name>PreferencesPage</name>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>not yet known</source>
        <translation>暂不清楚</translation>
    </message>
    <message>
        <source>not given</source>
        <translation>未填写</translation>
    </message>
    <message>
        <source>%1 (birthday month)</source>
        <translation>%1（生日月）</translation>
    </message>
    <message>
        <source>This preference is already recorded.</source>
        <translation>该偏好已记录。</translation>
    </message>
    <message>
        <source>Removed: %1 · %2</source>
        <translation>已删除：%1 · %2</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>Withdraw consent</source>
        <translation>撤回同意</translation>
    </message>
    <message>
        <source>%1 no longer agrees to have preferences recorded. Every preference and tag recorded about them will be deleted, at this till now and at every till after its next sync.</source>
        <translation>%1 不再同意记录偏好。关于该会员的所有偏好和标签都将被删除：本收银台立即删除，其他收银台在下次同步后删除。</translation>
    </message>
    <message>
        <source>Withdraw and delete</source>
        <translation>撤回并删除</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Preferences</source>
        <translation>偏好</translation>
    </message>
    <message>
        <source>Segment</source>
        <translation>分群</translation>
    </message>
    <message>
        <source>Birthday</source>
        <translation>生日</translation>
    </message>
    <message>
        <source>Tags</source>
        <translation>标签</translation>
    </message>
    <message>
        <source>Frequent categories</source>
        <translation>常购品类</translation>
    </message>
    <message>
        <source>The member has not agreed to have preferences recorded. Ask them first.</source>
        <translation>该会员未同意记录偏好，请先征得同意。</translation>
    </message>
    <message>
        <source>Member agrees</source>
        <translation>会员已同意</translation>
    </message>
    <message>
        <source>e.g. dresses, size M, navy blue, then Enter</source>
        <translation>如：连衣裙、M 码、藏青色，输入后按回车</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Remove (Del)</source>
        <translation>删除 (Del)</translation>
    </message>
    <message>
        <source>Back (Esc)</source>
        <translation>返回 (Esc)</translation>
    </message>
</context>
<context>
    <name>PrinterDialog</name>
    <message>
        <source>Printer settings</source>
        <translation>打印机设置</translation>
    </message>
    <message>
        <source>Slip printer</source>
        <translation>小票打印机</translation>
    </message>
    <message>
        <source>Connection</source>
        <translation>连接方式</translation>
    </message>
    <message>
        <source>No printer</source>
        <translation>不使用打印机</translation>
    </message>
    <message>
        <source>USB</source>
        <translation>USB</translation>
    </message>
    <message>
        <source>Network</source>
        <translation>网络</translation>
    </message>
    <message>
        <source>Serial port</source>
        <translation>串口</translation>
    </message>
    <message>
        <source>Device file or shared printer</source>
        <translation>设备文件或共享打印机</translation>
    </message>
    <message>
        <source>No slip is printed. Choose how this till&apos;s receipt printer is connected.</source>
        <translation>不打印小票。请选择本收银台小票打印机的连接方式。</translation>
    </message>
    <message>
        <source>Vendor ID (hex)</source>
        <translation>厂商编号（十六进制）</translation>
    </message>
    <message>
        <source>Product ID (hex)</source>
        <translation>产品编号（十六进制）</translation>
    </message>
    <message>
        <source>Address</source>
        <translation>地址</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <source>Speed (baud)</source>
        <translation>波特率</translation>
    </message>
    <message>
        <source>Path</source>
        <translation>路径</translation>
    </message>
    <message>
        <source>Paper width</source>
        <translation>纸宽</translation>
    </message>
    <message>
        <source>The printer draws QR codes itself</source>
        <translation>由打印机生成二维码</translation>
    </message>
    <message>
        <source>Untick this if the QR on a test slip comes out as text or not at all.</source>
        <translation>如测试小票上的二维码打印成文字或没有打印出来，请取消勾选。</translation>
    </message>
    <message>
        <source>Print a slip after each award and redemption</source>
        <translation>每次积分或兑换后打印小票</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Printing…</source>
        <translation>正在打印…</translation>
    </message>
    <message>
        <source>Test print</source>
        <translation>测试打印</translation>
    </message>
    <message>
        <source>The test slip was sent to the printer. Check that it came out readable.</source>
        <translation>测试小票已发送到打印机，请查看是否打印清晰。</translation>
    </message>
</context>
<context>
    <name>QrView</name>
    <message>
        <source>No code yet</source>
        <translation>暂无会员码</translation>
    </message>
    <message>
        <source>Member code</source>
        <translation>会员码</translation>
    </message>
</context>
<context>
    <name>RecentVisits</name>
    <message>
        <source>No visit recorded yet.</source>
        <extracomment>Rows shown: the server answers the last 20 purchases.</extracomment>
        <translation>暂无到店记录。</translation>
    </message>
    <message>
        <source>Last visit: %1</source>
        <translation>最近到店：%1</translation>
    </message>
    <message>
        <source>No purchases at this till yet.</source>
        <translation>本机暂无消费记录。</translation>
    </message>
    <message>
        <source>No purchases yet.</source>
        <translation>暂无消费记录。</translation>
    </message>
    <message>
        <source>Offline: this till&apos;s records only</source>
        <translation>离线，仅显示本机记录</translation>
    </message>
    <message>
        <source>Offline: the chain&apos;s records as of %1</source>
        <translation>离线，显示 %1 获取的各门店记录</translation>
    </message>
    <message>
        <source>%1 refunded</source>
        <translation>已退 %1</translation>
    </message>
    <message numerus="yes">
        <source>Bought %1, earned %2 point(s)</source>
        <translation>
            <numerusform>消费 %1，获得 %2 积分</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Redeemed %2 point(s) (%1 off)</source>
        <translation>
            <numerusform>使用 %2 积分，抵扣 %1</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%1: %2 point(s)</source>
        <translation>
            <numerusform>%1：%2 积分</numerusform>
        </translation>
    </message>
    <message>
        <source>Recent visits</source>
        <translation>最近到店</translation>
    </message>
</context>
<context>
    <name>RedeemDialog</name>
    <message>
        <source>Redeem points</source>
        <translation>积分抵扣</translation>
    </message>
    <message>
        <source>Pay part of the bill with points</source>
        <translation>用积分抵扣部分账单金额</translation>
    </message>
    <message>
        <source>Bill (yuan)</source>
        <translation>账单金额（元）</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>积分</translation>
    </message>
    <message>
        <source>Worth (yuan)</source>
        <translation>抵扣金额（元）</translation>
    </message>
    <message>
        <source>Use the most</source>
        <translation>最大抵扣</translation>
    </message>
    <message>
        <source>Gifts for points… (Shift+F3)</source>
        <translation>兑换礼品… (Shift+F3)</translation>
    </message>
    <message>
        <source>Redeeming…</source>
        <translation>抵扣中…</translation>
    </message>
    <message>
        <source>Redeem (Enter)</source>
        <translation>确认抵扣 (Enter)</translation>
    </message>
    <message>
        <source>At least %1 points at a time.</source>
        <translation>每次至少 %1 积分。</translation>
    </message>
    <message>
        <source>At least %1 points at a time, in steps of %2.</source>
        <translation>每次至少 %1 积分，且须为 %2 的整数倍。</translation>
    </message>
    <message>
        <source>Points pay at most %1 % of a bill: enter the bill to see how many.</source>
        <translation>积分最多抵扣账单的 %1%：输入账单金额即可查看可用积分。</translation>
    </message>
    <message>
        <source>This bill takes at most %1 points (%2 % of it).</source>
        <translation>本单最多可用 %1 积分（账单的 %2%）。</translation>
    </message>
    <message numerus="yes">
        <source>Available: %1 point(s).</source>
        <translation>
            <numerusform>可用：%1 积分。</numerusform>
        </translation>
    </message>
    <message>
        <source>Offline: at most %1 more points for this member today without a manager.</source>
        <translation>离线：今天该会员最多还可抵扣 %1 积分，超出需店长审批。</translation>
    </message>
    <message>
        <source>Most now: %1 points (%2).</source>
        <translation>当前最多：%1 积分（%2）。</translation>
    </message>
    <message>
        <source>Points cannot pay this bill.</source>
        <translation>本单不能使用积分抵扣。</translation>
    </message>
    <message>
        <source>Asking the server to authorize…</source>
        <translation>正在请求服务器授权…</translation>
    </message>
    <message>
        <source>Authorized online.</source>
        <translation>已在线授权。</translation>
    </message>
    <message>
        <source>The server does not answer: offline, a member may redeem up to %1 points a day at this till.</source>
        <translation>服务器无响应：离线状态下，每位会员每天在本机最多可抵扣 %1 积分。</translation>
    </message>
    <message>
        <source>Refused by the server.</source>
        <translation>服务器已拒绝。</translation>
    </message>
</context>
<context>
    <name>RegistrationDialog</name>
    <message>
        <source>MemberDesk — register this till</source>
        <translation>MemberDesk — 注册本机</translation>
    </message>
    <message>
        <source>Register this till</source>
        <translation>注册本收银机</translation>
    </message>
    <message>
        <source>Enter the member server&apos;s address, this store&apos;s code and the one-time enrolment code from the head office. The till then downloads the staff, the points rules and the members.</source>
        <translation>请输入会员服务器地址、本门店编号，以及总部发放的一次性注册码。注册后本机将下载员工、积分规则和会员资料。</translation>
    </message>
    <message>
        <source>Server address</source>
        <translation>服务器地址</translation>
    </message>
    <message>
        <source>Store code</source>
        <translation>门店编号</translation>
    </message>
    <message>
        <source>Enrolment code</source>
        <translation>注册码</translation>
    </message>
    <message>
        <source>e.g. S001</source>
        <translation>例如 S001</translation>
    </message>
    <message>
        <source>from the head office, used once</source>
        <translation>由总部发放，仅可使用一次</translation>
    </message>
    <message>
        <source>Register</source>
        <translation>注册</translation>
    </message>
    <message>
        <source>Retry sync</source>
        <translation>重试同步</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Registering this till…</source>
        <translation>正在注册本机…</translation>
    </message>
    <message>
        <source>Enter the server&apos;s address.</source>
        <translation>请输入服务器地址。</translation>
    </message>
    <message>
        <source>Enter this store&apos;s code.</source>
        <translation>请输入本门店编号。</translation>
    </message>
    <message>
        <source>Enter the enrolment code from the head office (4 to 32 letters or digits).</source>
        <translation>请输入总部发放的注册码（4–32 位字母或数字）。</translation>
    </message>
    <message>
        <source>The server does not answer, so this till is not registered yet and cannot be used. Check the server&apos;s address and this computer&apos;s network connection (or ask the head office whether the server is running), then press Register again.</source>
        <translation>服务器无响应，本收银机尚未注册，暂时无法使用。请检查服务器地址和本机网络连接（或询问总部服务器是否在运行），然后再次点击“注册”。</translation>
    </message>
    <message>
        <source>Connecting to the server…</source>
        <translation>正在连接服务器…</translation>
    </message>
    <message>
        <source>Sending this till&apos;s records: %1 / %2</source>
        <translation>正在上传本机记录：%1 / %2</translation>
    </message>
    <message>
        <source>Received %1 / %2 members</source>
        <translation>已接收会员 %1 / %2</translation>
    </message>
    <message>
        <source>Receiving members: %1 so far</source>
        <translation>正在接收会员：已接收 %1</translation>
    </message>
    <message>
        <source>Sync complete.</source>
        <translation>同步完成。</translation>
    </message>
    <message>
        <source>The server stopped answering before the first sync finished: this till has no staff or members yet and cannot be used. Check this computer&apos;s network connection, then press Retry sync.</source>
        <translation>首次同步完成前服务器停止响应：本收银机还没有员工和会员资料，暂时无法使用。请检查本机网络连接，然后点击“重试同步”。</translation>
    </message>
    <message>
        <source>The till is registered, but the first sync did not finish.</source>
        <translation>本机已注册，但首次同步未完成。</translation>
    </message>
</context>
<context>
    <name>ReissueCardDialog</name>
    <message>
        <source>Enter the manager&apos;s staff code.</source>
        <translation>请输入店长工号。</translation>
    </message>
    <message>
        <source>Asking the server for the new card…</source>
        <translation>正在向服务器申请新卡…</translation>
    </message>
    <message>
        <source>The server cannot be reached, and a card is reissued only online. Nothing was changed: try again when the till is back online.</source>
        <translation>无法连接服务器，补发会员卡必须联网。未做任何更改：请在本机恢复联网后重试。</translation>
    </message>
    <message>
        <source>The server does not accept this manager for this store. Nothing was changed.</source>
        <translation>服务器不认可该店长有权在本店操作。未做任何更改。</translation>
    </message>
    <message>
        <source>The server does not know this member yet: sync first, then try again.</source>
        <translation>服务器尚无此会员：请先同步，再重试。</translation>
    </message>
    <message>
        <source>Reissue card</source>
        <translation>补发会员卡</translation>
    </message>
    <message>
        <source>Reissue the member&apos;s card</source>
        <translation>补发会员卡</translation>
    </message>
    <message>
        <source>Manager code</source>
        <translation>店长工号</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>e.g. M001</source>
        <translation>例如 M001</translation>
    </message>
    <message>
        <source>4 to 8 digits</source>
        <translation>4–8 位数字</translation>
    </message>
    <message>
        <source>Reissue</source>
        <translation>补发</translation>
    </message>
    <message>
        <source>New card issued. The old card stops working at each till when it next syncs; this till is syncing now.</source>
        <translation>新卡已发出。旧卡在各收银台下次同步后即失效；本机正在同步。</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>The member gets a new card code and the old card stops working at every till. A manager confirms with their code and PIN; the till must be online.</source>
        <translation>会员将获得新的会员码，旧卡在所有收银台失效。须由店长输入工号和密码确认；本机须联网。</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>ReturnDialog</name>
    <message>
        <source>Return</source>
        <translation>退货</translation>
    </message>
    <message>
        <source>Take a return: points back for the money refunded</source>
        <translation>退货：按退款金额扣回积分</translation>
    </message>
    <message>
        <source>Receipt number</source>
        <translation>小票号</translation>
    </message>
    <message>
        <source>Sold at store</source>
        <translation>销售门店</translation>
    </message>
    <message>
        <source>Money refunded (yuan)</source>
        <translation>退款金额（元）</translation>
    </message>
    <message>
        <source>Refund number</source>
        <translation>退货单号</translation>
    </message>
    <message>
        <source>Points to take back</source>
        <translation>扣回积分</translation>
    </message>
    <message>
        <source>as printed on the receipt</source>
        <translation>按小票上的号码填写</translation>
    </message>
    <message>
        <source>Returning…</source>
        <translation>正在退货…</translation>
    </message>
    <message>
        <source>Return (Enter)</source>
        <translation>确认退货 (Enter)</translation>
    </message>
    <message>
        <source>Return offline (Enter)</source>
        <translation>确认线下退货 (Enter)</translation>
    </message>
    <message numerus="yes">
        <source>What the money refunded earns this member now: %1 point(s), within the balance.</source>
        <translation>
            <numerusform>按现行规则，这笔退款对应该会员 %1 积分（不超过余额）。</numerusform>
        </translation>
    </message>
    <message>
        <source>The member has no points to take back for this money.</source>
        <translation>该会员没有可为这笔退款扣回的积分。</translation>
    </message>
    <message>
        <source>The head office&apos;s server does not answer, so the sale at store %1 cannot be looked up. The return is taken offline, approved by a manager: the server matches it with the sale later.</source>
        <translation>无法连接总部，查不到门店 %1 的这笔销售：按店长审批的线下退货处理，总部稍后会与原销售核对。</translation>
    </message>
</context>
<context>
    <name>ReverseDialog</name>
    <message>
        <source>Reversed</source>
        <translation>已冲正</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>积分</translation>
    </message>
    <message>
        <source>Amount</source>
        <translation>金额</translation>
    </message>
    <message>
        <source>Receipt</source>
        <translation>小票号</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Reverse an entry</source>
        <translation>积分冲正</translation>
    </message>
    <message>
        <source>Reverse a recent entry</source>
        <translation>冲正近期记录</translation>
    </message>
    <message>
        <source>Reversing…</source>
        <translation>冲正中…</translation>
    </message>
    <message>
        <source>Reverse (Enter)</source>
        <translation>确认冲正 (Enter)</translation>
    </message>
    <message>
        <source>No entry of this member can be reversed here.</source>
        <translation>该会员在本机没有可冲正的记录。</translation>
    </message>
    <message>
        <source>Pick the entry to reverse with the arrow keys.</source>
        <translation>用方向键选择要冲正的记录。</translation>
    </message>
    <message numerus="yes">
        <source>Reversing takes %1 point(s) off the member&apos;s balance.</source>
        <translation>
            <numerusform>冲正将从会员积分中扣除 %1 积分。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Reversing gives %1 point(s) back to the member.</source>
        <translation>
            <numerusform>冲正将退还会员 %1 积分。</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SaveFile</name>
    <message>
        <source>Look in:</source>
        <translation>查找范围：</translation>
    </message>
    <message>
        <source>File name:</source>
        <translation>文件名：</translation>
    </message>
    <message>
        <source>Files of type:</source>
        <translation>文件类型：</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
</context>
<context>
    <name>Settings</name>
    <message>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <source>Window position and size</source>
        <translation>窗口位置和大小</translation>
    </message>
    <message>
        <source>Sync in the background every (minutes)</source>
        <translation>后台同步间隔（分钟）</translation>
    </message>
    <message>
        <source>Check whether the server answers every (seconds)</source>
        <translation>检查服务器连接间隔（秒）</translation>
    </message>
    <message>
        <source>Put the member away after no input for (seconds)</source>
        <translation>无操作多久后收起会员信息（秒）</translation>
    </message>
    <message>
        <source>Lock the counter after no input for (minutes)</source>
        <translation>无操作多久后锁定收银台（分钟）</translation>
    </message>
    <message>
        <source>Slip printer connection</source>
        <translation>小票打印机连接方式</translation>
    </message>
    <message>
        <source>USB vendor ID</source>
        <translation>USB 厂商编号</translation>
    </message>
    <message>
        <source>USB product ID</source>
        <translation>USB 产品编号</translation>
    </message>
    <message>
        <source>Printer address</source>
        <translation>打印机地址</translation>
    </message>
    <message>
        <source>Port</source>
        <translation>端口</translation>
    </message>
    <message>
        <source>Serial port</source>
        <translation>串口</translation>
    </message>
    <message>
        <source>Speed (baud)</source>
        <translation>波特率</translation>
    </message>
    <message>
        <source>Device file or shared printer</source>
        <translation>设备文件或共享打印机</translation>
    </message>
    <message>
        <source>Paper width</source>
        <translation>纸宽</translation>
    </message>
    <message>
        <source>The printer draws QR codes itself</source>
        <translation>由打印机生成二维码</translation>
    </message>
    <message>
        <source>Print a slip after each award and redemption</source>
        <translation>每次积分或兑换后打印小票</translation>
    </message>
    <message>
        <source>POS interface port on this computer (0: off)</source>
        <translation>本机 POS 接口端口（0：关闭）</translation>
    </message>
</context>
<context>
    <name>SyncPage</name>
    <message>
        <source>Sent to the server</source>
        <translation>已上传</translation>
    </message>
    <message>
        <source>Applied</source>
        <translation>已入账</translation>
    </message>
    <message>
        <source>Already there (sent before)</source>
        <translation>已存在（之前已上传）</translation>
    </message>
    <message>
        <source>New members merged into existing ones</source>
        <translation>新会员并入已有会员</translation>
    </message>
    <message>
        <source>Flagged, to check</source>
        <translation>待核查</translation>
    </message>
    <message>
        <source>Rejected</source>
        <translation>已拒绝</translation>
    </message>
    <message>
        <source>Member changes received</source>
        <translation>已接收会员变更</translation>
    </message>
    <message>
        <source>Still to send</source>
        <translation>待上传</translation>
    </message>
    <message>
        <source>When</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>What</source>
        <translation>内容</translation>
    </message>
    <message>
        <source>Staff</source>
        <translation>员工</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>积分</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Connecting to the server…</source>
        <translation>正在连接服务器…</translation>
    </message>
    <message>
        <source>Done.</source>
        <translation>完成。</translation>
    </message>
    <message>
        <source>Sending this till&apos;s changes: %1 of %2</source>
        <translation>正在上传本机变更：%1 / %2</translation>
    </message>
    <message>
        <source>Receiving member changes: %1 of %2</source>
        <translation>正在接收会员变更：%1 / %2</translation>
    </message>
    <message>
        <source>Receiving member changes…</source>
        <translation>正在接收会员变更…</translation>
    </message>
    <message>
        <source>Stopped.</source>
        <translation>已停止。</translation>
    </message>
    <message>
        <source>The server refused this till&apos;s audit record: the audit log on this computer was changed. Leave the computer as it is and tell the head office.</source>
        <translation>服务器拒收了本机的审计记录：本机的审计日志已被改动。请保持这台电脑原样，并通知总部。</translation>
    </message>
    <message>
        <source>Everything is synced.</source>
        <translation>全部已同步。</translation>
    </message>
    <message numerus="yes">
        <source>Nothing was lost: %n item(s) wait for the next sync.</source>
        <translation>
            <numerusform>数据未丢失：%n 条记录将在下次同步时上传。</numerusform>
        </translation>
    </message>
    <message>
        <source>Never synced</source>
        <translation>从未同步</translation>
    </message>
    <message>
        <source>%1 (did not finish)</source>
        <translation>%1（未完成）</translation>
    </message>
    <message numerus="yes">
        <source>%n item(s) were rejected: see the list below.</source>
        <translation>
            <numerusform>%n 条记录被拒绝，详见下方列表。</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%n item(s) still wait to be sent.</source>
        <translation>
            <numerusform>仍有 %n 条记录待上传。</numerusform>
        </translation>
    </message>
    <message>
        <source>%1, receipt %2</source>
        <translation>%1，小票 %2</translation>
    </message>
    <message>
        <source>Sync and day end</source>
        <translation>同步与日结</translation>
    </message>
    <message>
        <source>Sync now (F9)</source>
        <translation>立即同步 (F9)</translation>
    </message>
    <message>
        <source>Last sync</source>
        <translation>上次同步</translation>
    </message>
    <message>
        <source>Finished at</source>
        <translation>完成时间</translation>
    </message>
    <message>
        <source>no sync yet since the till started</source>
        <translation>本机启动后尚未同步</translation>
    </message>
    <message>
        <source>Flagged and rejected items</source>
        <translation>待核查和已拒绝的记录</translation>
    </message>
    <message>
        <source>None: the server took everything as it was.</source>
        <translation>无：服务器已全部照单接收。</translation>
    </message>
</context>
<context>
    <name>TillStatusBar</name>
    <message>
        <source>Checking…</source>
        <translation>检测中…</translation>
    </message>
    <message>
        <source>Online</source>
        <translation>在线</translation>
    </message>
    <message>
        <source>Offline</source>
        <translation>离线</translation>
    </message>
    <message>
        <source>Not registered</source>
        <translation>未注册</translation>
    </message>
    <message>
        <source>The till works offline too; what it records is sent when the server answers again.</source>
        <translation>离线时本机照常工作，记录会在服务器恢复后自动上传。</translation>
    </message>
    <message>
        <source>Syncing…</source>
        <translation>同步中…</translation>
    </message>
    <message>
        <source>Never synced</source>
        <translation>从未同步</translation>
    </message>
    <message>
        <source>Last sync %1</source>
        <translation>上次同步 %1</translation>
    </message>
    <message>
        <source>Last sync %1 did not finish</source>
        <translation>上次同步 %1 未完成</translation>
    </message>
    <message>
        <source>The till syncs again by itself; a manager sees why on the sync page.</source>
        <translation>本机会自动重新同步；店长可在同步页查看原因。</translation>
    </message>
    <message numerus="yes">
        <source>%n record(s) to send</source>
        <translation>
            <numerusform>%n 条待上传</numerusform>
        </translation>
    </message>
    <message>
        <source>All sent</source>
        <translation>已全部上传</translation>
    </message>
    <message>
        <source>Points, enrolments and preferences not yet sent to the server.</source>
        <translation>尚未上传到服务器的积分、入会和偏好记录。</translation>
    </message>
    <message numerus="yes">
        <source>Clock %n min ahead of the server</source>
        <translation>
            <numerusform>时钟比服务器快 %n 分钟</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Clock %n min behind the server</source>
        <translation>
            <numerusform>时钟比服务器慢 %n 分钟</numerusform>
        </translation>
    </message>
    <message>
        <source>Set this computer&apos;s clock right: every award and redemption carries its time.</source>
        <translation>请校准本机时钟：每笔积分累计和抵扣都会记录时间。</translation>
    </message>
    <message>
        <source>Not logged in</source>
        <translation>未登录</translation>
    </message>
    <message>
        <source>No store yet</source>
        <translation>未绑定门店</translation>
    </message>
    <message>
        <source>Manager</source>
        <translation>店长</translation>
    </message>
    <message>
        <source>Store guide</source>
        <translation>导购</translation>
    </message>
    <message>
        <source>Cashier</source>
        <translation>收银员</translation>
    </message>
</context>
<context>
    <name>WarningsPage</name>
    <message>
        <source>Since</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Member</source>
        <translation>会员</translation>
    </message>
    <message>
        <source>Phone</source>
        <translation>手机号</translation>
    </message>
    <message>
        <source>Why</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Suggested</source>
        <translation>建议</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>处理</translation>
    </message>
    <message>
        <source>Called</source>
        <translation>已联系</translation>
    </message>
    <message>
        <source>Offer given</source>
        <translation>已发券</translation>
    </message>
    <message>
        <source>Not reachable</source>
        <translation>联系不上</translation>
    </message>
    <message>
        <source>Remind them to use their points before they expire</source>
        <translation>提醒会员在积分过期前使用</translation>
    </message>
    <message>
        <source>Not yet</source>
        <translation>未处理</translation>
    </message>
    <message>
        <source>(not on this till yet)</source>
        <translation>（本机尚无此会员）</translation>
    </message>
    <message>
        <source>Was %1, now %2</source>
        <translation>原为%1，现为%2</translation>
    </message>
    <message>
        <source>Points about to expire</source>
        <translation>积分即将过期</translation>
    </message>
    <message>
        <source>%1 points expire on %2</source>
        <translation>%1 积分将于 %2 过期</translation>
    </message>
    <message>
        <source>Tagged %1</source>
        <translation>新增标签：%1</translation>
    </message>
    <message>
        <source>Members to contact</source>
        <translation>需关注会员</translation>
    </message>
    <message>
        <source>Members the chain&apos;s figures say are drifting away, from the nightly refresh. Call them, then record what happened: it goes to head office with the next sync.</source>
        <translation>夜间刷新根据全连锁数据找出的可能流失的会员。请联系他们，并记录结果：下次同步时上报总部。</translation>
    </message>
    <message>
        <source>Nobody to contact. The list comes with each sync.</source>
        <translation>暂无需关注的会员。名单随每次同步更新。</translation>
    </message>
    <message>
        <source>Open member</source>
        <translation>打开会员</translation>
    </message>
</context>
<context>
    <name>_MemberLinePlurals</name>
    <message numerus="yes">
        <source>%1 point(s) available</source>
        <translation>
            <numerusform>可用积分 %1</numerusform>
        </translation>
    </message>
</context>
</TS>

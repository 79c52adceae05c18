# policypress 输出的中文消息。每条消息的 id 也是 `check --format json` 和
# `--format github` 里稳定不变的 `code`：改 id 必须同时改 en.ftl。
# `.fix` 是告诉作者怎么改的那一行。

## 每条消息都用到的词

severity-error = 错误
severity-warning = 警告
severity-note = 提示
fix-label = 修改
did-you-mean = 是不是要写 `{ $name }`？
io-error = { $path }：{ $error }
not-a-site = 在 { $dir } 及其上级目录里都找不到 { $config }，这里不是 policypress 站点。请在站点根目录（放 { $config } 和 content/ 的目录）里运行，或加上 --root 目录
root-not-a-site = { $dir } 里既没有 { $config } 也没有 content/，不是 policypress 站点；请检查 --root 的路径
deploy-not-built = 这个 policypress 编译时没有带上 deploy（为了让第一次编译更快，它是一个 cargo 功能）。请用 `cargo build --release --features deploy` 编译能部署的版本，或用 `cargo install --path . --features deploy` 安装

## check

check-summary = 检查了 { $articles } 篇文章和 { $recommendations } 条推荐：{ $errors } 个错误，{ $warnings } 个警告
build-problems = 内容里有 { $count } 个问题：

## 读取文件

cannot-read = 无法读取文件：{ $error }
    .fix = 检查文件权限，并确认它是文本文件
cannot-write = 无法写入文件：{ $error }
not-utf8 = 文件不是 UTF-8 编码（可能存成了 GBK）
    .fix = 把文件另存为 UTF-8 编码（多数编辑器：另存为 → 编码选 UTF-8）

## build 不读取的内容文件

stray-extension = `{ $name }` 不会发布：build 只读取文件名以小写 `.md` 结尾的文件
    .fix = 改名为 `{ $name }`
stray-directory = `{ $name }` 不会发布：build 只读取直接放在 content/articles/ 和 content/recommendations/ 里的文件
    .fix = 移到 { $target }
    .fix-notes = 移到 { $target }；如果它不是要发布的内容，移出 content/
stray-target-exists = { $target } 已经存在：把两个文件合并，再删掉这一个

## 头信息整体

front-matter-missing = 文件没有头信息
    .fix = 文件第一行写 `---`，接着写各个字段，再写一行 `---`
front-matter-unclosed = 第 1 行 `---` 开始的头信息没有结束
    .fix = 在最后一个字段之后、正文之前加一行 `---`
front-matter-too-deep = 头信息里 `[` 或 `{"{"}` 嵌套超过 { $levels } 层
    .fix = 列表写成 `[a, b]`，或每行一个 `- 条目`；没有字段需要嵌套括号
front-matter-invalid = 头信息无效：{ $detail }
yaml-fix = 修改这个位置的 YAML
front-matter-empty = 头信息是空的
    .fix = 在两行 `---` 之间每行写一个 `字段: 值`
front-matter-not-fields = 头信息不是“字段: 值”的形式
yaml-syntax = YAML 语法错误：{ $detail }
    .fix = 检查这里的引号、括号、冒号和缩进
yaml-full-width-colon = `{ $field }` 后面是中文全角冒号 `：`，YAML 只认英文冒号
    .fix = 写成 `{ $field }: `，用英文冒号加一个空格（把输入法切换到英文标点）
yaml-tab = 这里有一个制表符（Tab）；YAML 只能用空格缩进和分隔
    .fix = 把制表符换成空格

## 字段

field-name-not-text = 有一个字段名不是文字
    .fix = 给字段名加上引号
field-unknown = 未知字段 `{ $field }`
    .fix = 删掉它；可以用的字段有 { $fields }
field-missing = 缺少字段 `{ $field }`
    .fix = 在头信息里加上 `{ $field }: …`；{ $how }
field-invalid = 字段 `{ $field }`：{ $detail }
field-not-a-list = `{ $field }` 必须是列表，不能是单个值
    .fix = 写在方括号里：`{ $field }: [{ $value }]`
date-format = `{ $field }: { $value }` 不是 YYYY-MM-DD 格式的日期
date-no-such-month = `{ $field }: { $value }`：没有 { $month } 月
date-no-such-day = `{ $field }: { $value }`：{ $month } 月只有 { $days } 天
field-fix-title = 把问题写成一行文字
field-fix-slug = 只用小写字母、数字和连字符，并与文件名相同
field-fix-date = 日期写成 YYYY-MM-DD，如 2025-04-20
field-fix-regions = 写地区路径的列表，如 `regions: [广东省/深圳市]`
field-fix-topics = 写 content/topics.yaml 里主题名称的列表，如 `topics: [异地就医]`
field-fix-slugs = 写 slug 的列表，如 `[yi-bao-ka]`
field-fix-bool = 写 `true` 或 `false`
field-fix-draft = 文章没写完时写 `true`；要发布就删掉这一行
field-fix-notices = 写 `medical`、`sourcing` 组成的列表
field-fix-disclaimer = 写 `policy`（医保政策内容）或 `medical`（健康内容）
field-fix-number = 写一个整数
field-fix-source = 在缩进的行里写 `file:` 和 `sha256:`
field-fix-line = 写一行文字

## 每篇内容都要遵守的规则

title-empty = `title` 是空的
    .fix = 把文章回答的问题写成标题
slug-invalid = slug `{ $slug }` 只能用小写字母 a-z、数字和单个连字符
    .fix = 例如写成 `{ $suggestion }`，并把文件改成同样的名字
slug-duplicate = slug `{ $slug }` 重复：{ $others } 也在用
    .fix = 每个文件用自己的 slug，并与文件名相同
slug-file-mismatch = slug `{ $slug }` 与文件名 `{ $stem }.md` 不一致
    .fix = 把文件改名为 `{ $slug }.md`，或者写 `slug: { $stem }`
region-unknown = 行政区划表里没有地区 `{ $region }`
    .fix = 从省级写起的完整路径，如 `广东省/深圳市`
region-unusable-path = 地区 `{ $region }` 在行政区划表里的网址路径 `{ $path }` 不能用
    .fix = 请报告这条行政区划数据；暂时先删掉这个地区
topic-unknown = 未知主题 `{ $topic }`
    .fix = 用 content/topics.yaml 里的 `name`，或者先在那里添加这个主题
topics-none = 文章没有主题
    .fix = 写 1–3 个 content/topics.yaml 里的主题名称，如 `topics: [异地就医]`
topics-too-many = 文章有 { $count } 个主题；每篇文章 1–3 个
title-duplicate = 另一篇文章的标题与这篇相同：{ $other }
    .fix = 把问题写得更具体（加上地区或人群），或者把两篇文章合并
list-repeated = `{ $field }` 里 `{ $value }` 写了两次
    .fix = 删掉重复的一项
article-empty = 文章既没有正文也没有 `answer`
    .fix = 在结束的 `---` 下面写回答，或者加一行 `answer:` 简短回答
recommendation-no-excerpt = 推荐条目没有摘要
    .fix = 在结束的 `---` 下面写摘要；它显示在标题下方
placeholder = 这里还是 `policypress new` 生成的模板文字：“{ $text }”
    .fix = 换成文章自己的内容，或者删掉
markdown-too-deep = Markdown 嵌套超过 { $levels } 层（引用、列表、强调）
    .fix = 把这里写得平一些：少用 `>`、列表层级或 `*`

## 文件之间的引用

reference-recommendation = 推荐条目 `{ $slug }`
reference-article = `article: { $slug }`
reference-seen-on = `seen_on` 里的 `{ $slug }`
reference-group = `group: { $slug }`
reference-link = 链接 `{ $link }`
reference-nowhere = { $what } 指向不存在的文件：没有 { $file }
    .fix = 改正 slug，或者删掉这个引用
link-to-unbuilt = { $what } 指向 { $file }，它写了 `relevant: false`，不会生成页面
    .fix = 链接到别的页面，或者在 config.toml 里设置 `include_irrelevant = true`
link-not-relative = 链接 `{ $link }` 必须相对于本文件
link-outside-content = 链接 `{ $link }` 指向 content/articles/ 和 content/recommendations/ 以外
link-below-page = 链接 `{ $link }` 指向页面下一层，那里不会生成任何东西
link-bad = 这个链接无法跳转
    .fix = 站内文章链接写成 `/articles/<slug>/`

## config.toml、topics.yaml、synonyms.yaml

config-unknown-key = 未知设置项 `{ $key }`
    .fix = 删掉它；可以用的设置项有 { $keys }
config-invalid = { $detail }
    .fix = 修改这个位置的值
config-page-size = `page_size` 至少是 1
    .fix = 把 `page_size` 设为每个列表页的条目数，如 20
secret-named = `{ $name }` 像是密钥；密钥不能放进代码仓库
    .fix = 删掉它，作废这个密钥，改用环境变量设置（见 README 的 Deploy 一节）
secret-key-id = `{ $prefix }…` 像是 AccessKey ID；密钥不能放进代码仓库
secret-random = 一长串随机字符像是密钥；密钥不能放进代码仓库
topics-yaml = content/topics.yaml 不是有效的 YAML：{ $detail }
vocabulary-empty-name = 有一个主题的名称是空的
    .fix = 给这个主题起个名字
vocabulary-duplicate-name = 有两个主题都叫 `{ $name }`
    .fix = 合并这两个主题，或者给其中一个改名
vocabulary-bad-slug = 主题 `{ $name }` 的 slug `{ $slug }` 不是 [a-z0-9-]
    .fix = 用小写拼音，单词之间用连字符，如 geren-zhanghu
vocabulary-duplicate-slug = 有两个主题的 slug 都是 `{ $slug }`
    .fix = 每个主题用自己的 slug
vocabulary-unless = `{ $name }` 是主题，却写了 `unless`
    .fix = `unless` 只用于 `relevant: false` 的条目；主题请用 `exclude`
vocabulary-no-keywords = `{ $name }` 没有关键词，或有空的关键词
    .fix = 在 `keywords` 下列出标志这个主题的词语
synonyms-not-item = `{ $line }` 不是列表项
    .fix = 每行写一组：`- 医保 = 医疗保险`
synonyms-empty = 空的同义词组
    .fix = 至少写两个词，用 `=` 隔开，或者删掉这一行
synonyms-not-word = `{ $term }` 不是一个词
    .fix = 只用汉字，或者只用英文字母和数字，不要留空词
synonyms-repeated = `{ $term }` 已经在第 { $earlier } 行的同义词组里
    .fix = 每个词只放在一组里：合并这两组，或者删掉一处
synonyms-single = 同义词组 `{ $group }` 只有一个词
    .fix = 用 `=` 隔开，加上与它同义的词

## new

new-empty-title = 标题是空的；请写文章回答的问题，如“深圳医保怎么办理异地就医备案”
new-unknown-region = 行政区划表里没有地区 `{ $region }`；{ $hint }
new-unknown-topic = 未知主题 `{ $topic }`；{ $hint }
new-exists = { $path } 已经存在；请编辑它，或者换一个标题
new-archetype-front-matter = { $path }：文章模板只写正文，不能以头信息开头；删掉 `---` 之间的部分，`new` 会自己写头信息
new-created = 已创建；写好文章后运行 `policypress check` 和 `policypress serve`

## serve

serve-built-summary = { $pages } 个页面，{ $articles } 篇文章
serve-built = 构建用时 { $ms } 毫秒：{ $summary }
serve-build-failed = 构建失败（用时 { $ms } 毫秒）；继续显示上一次成功的构建：
serve-build-crashed = 构建崩溃了（这是 policypress 的缺陷，请报告）
serve-overlay-heading = policypress：构建失败，当前显示的是上一次成功的构建
serve-exposed = 警告：在 { $address } 上提供预览，其他机器也能访问；除非确实需要，请用 --bind 127.0.0.1
serve-watching = 正在监视 { $path } 的改动；按 Ctrl-C 停止
serve-changed = 已改动：{ $paths }{ $more ->
        [0] {""}
       *[other] {" "}等另外 { $more } 个文件
    }
serve-watch-error = 警告：监视文件出错：{ $error }
serve-stopped = 已停止
serve-no-browser = 警告：无法打开浏览器（{ $error }）；请自己打开 { $url }

# Messages policypress prints, in English. Each id is also the stable
# `code` of the message in `check --format json` and `--format github`:
# rename an id only together with zh.ftl, and say so in the changelog.
# `.fix` is the line that tells the author what to change.

## Words around every message

severity-error = error
severity-warning = warning
severity-note = note
fix-label = fix
did-you-mean = did you mean `{ $name }`?
io-error = { $path }: { $error }
not-a-site = no { $config } in { $dir } or any directory above it, so this is not a policypress site. Run the command from the site's root (the directory holding { $config } and content/), or pass --root DIR
root-not-a-site = { $dir } holds neither { $config } nor content/, so it is not a policypress site; check the --root path
deploy-not-built = this policypress was built without deploy, which is a cargo feature to keep the first build fast. Build one that deploys with `cargo build --release --features deploy`, or install it with `cargo install --path . --features deploy`

## check

check-summary = checked { $articles ->
        [one] 1 article
       *[other] { $articles } articles
    } and { $recommendations ->
        [one] 1 recommendation
       *[other] { $recommendations } recommendations
    }: { $errors ->
        [one] 1 error
       *[other] { $errors } errors
    }, { $warnings ->
        [one] 1 warning
       *[other] { $warnings } warnings
    }
build-problems = { $count ->
        [one] 1 problem in content:
       *[other] { $count } problems in content:
    }

## Reading files

cannot-read = cannot read the file: { $error }
    .fix = check the file's permissions, and that it is a text file
cannot-write = cannot write the file: { $error }
not-utf8 = the file is not UTF-8 text (it may be saved as GBK)
    .fix = save the file as UTF-8 (in most editors: Save with Encoding → UTF-8)

## Content files the build never reads

stray-extension = `{ $name }` is never published: the build reads only files whose names end in `.md` (lowercase)
    .fix = rename it to `{ $name }`
stray-directory = `{ $name }` is never published: the build reads only the files directly inside content/articles/ and content/recommendations/
    .fix = move it to { $target }
    .fix-notes = move it to { $target }, or out of content/ if it is not meant to be published
stray-target-exists = { $target } exists already: merge the two files and delete this one

## Front matter as a whole

front-matter-missing = the file has no front matter
    .fix = start the file with a line `---`, the fields, and another line `---`
front-matter-unclosed = the front matter that starts with `---` on line 1 is never closed
    .fix = add a line `---` after the last field, before the article text
front-matter-too-deep = the front matter nests `[` or `{"{"}` more than { $levels } levels deep
    .fix = write lists as `[a, b]` or one `- item` per line; no field needs nested brackets
front-matter-invalid = the front matter is not valid: { $detail }
yaml-fix = fix the YAML at this position
front-matter-empty = the front matter is empty
    .fix = write one `field: value` per line between the two `---` lines
front-matter-not-fields = the front matter is not a list of fields
yaml-syntax = YAML syntax error: { $detail }
    .fix = fix the YAML here: check quotes, brackets, colons and indentation
yaml-full-width-colon = `{ $field }` is followed by a full-width colon `：`; YAML needs an ASCII colon
    .fix = write `{ $field }: ` with an ASCII colon and a space (switch the input method to English punctuation)
yaml-tab = a tab character; YAML indents and separates with spaces only
    .fix = replace the tab with spaces

## Fields

field-name-not-text = a field name is not text
    .fix = quote the name
field-unknown = unknown field `{ $field }`
    .fix = remove it; accepted fields are { $fields }
field-missing = missing field `{ $field }`
    .fix = add `{ $field }: …` to the front matter; { $how }
field-invalid = field `{ $field }`: { $detail }
field-not-a-list = `{ $field }` must be a list, not a single value
    .fix = write it in brackets: `{ $field }: [{ $value }]`
date-format = `{ $field }: { $value }` is not a date written as YYYY-MM-DD
date-no-such-month = `{ $field }: { $value }`: there is no month { $month }
date-no-such-day = `{ $field }: { $value }`: month { $month } has only { $days } days
field-fix-title = write the question as plain text
field-fix-slug = write lowercase letters, digits and hyphens, matching the file name
field-fix-date = write the date as YYYY-MM-DD, e.g. 2025-04-20
field-fix-regions = write a list of gazetteer paths, e.g. `regions: [广东省/深圳市]`
field-fix-topics = write a list of topic names from content/topics.yaml, e.g. `topics: [异地就医]`
field-fix-slugs = write a list of slugs, e.g. `[yi-bao-ka]`
field-fix-bool = write `true` or `false`
field-fix-draft = write `true` while the article is unfinished, or delete the line to publish it
field-fix-notices = write a list of `medical` and `sourcing`
field-fix-disclaimer = write `policy` (医保 policy content) or `medical` (health content)
field-fix-number = write a whole number
field-fix-source = write `file:` and `sha256:` on indented lines
field-fix-line = write a single line of text

## Rules every item follows

title-empty = `title` is empty
    .fix = write the question as the title
slug-invalid = slug `{ $slug }` must be lowercase letters a-z, digits and single hyphens
    .fix = use e.g. `{ $suggestion }` and rename the file to match
slug-duplicate = duplicate slug `{ $slug }`: also used by { $others }
    .fix = give each file its own slug, matching its file name
slug-file-mismatch = slug `{ $slug }` does not match the file name `{ $stem }.md`
    .fix = rename the file to `{ $slug }.md`, or set `slug: { $stem }`
region-unknown = region `{ $region }` is not in the gazetteer
    .fix = write a full path from the province, e.g. `广东省/深圳市`
region-unusable-path = region `{ $region }` has the unusable URL path `{ $path }` in the gazetteer
    .fix = report this gazetteer entry; meanwhile remove the region
topic-unknown = unknown topic `{ $topic }`
    .fix = use a `name` from content/topics.yaml, or add the topic there
topics-none = the article has no topic
    .fix = list 1–3 topic names from content/topics.yaml, e.g. `topics: [异地就医]`
topics-too-many = the article has { $count } topics; an article takes 1–3
title-duplicate = another article has the same title: { $other }
    .fix = make the question more specific (a region, a group of people), or merge the two articles
list-repeated = `{ $field }` lists `{ $value }` twice
    .fix = delete the repeated entry
article-empty = the article has no body and no `answer`
    .fix = write the answer below the closing `---`, or add a one-line `answer:` field
recommendation-no-excerpt = the recommendation has no excerpt
    .fix = write the excerpt below the closing `---`; it is shown under the title
placeholder = the skeleton text from `policypress new` is still here: “{ $text }”
    .fix = replace it with the article's own text, or delete it
markdown-too-deep = Markdown nested more than { $levels } levels deep (quotes, lists, emphasis)
    .fix = flatten the text here: fewer `>`, list levels or `*`

## References between files

reference-recommendation = recommendation `{ $slug }`
reference-article = `article: { $slug }`
reference-seen-on = `seen_on` entry `{ $slug }`
reference-group = `group: { $slug }`
reference-link = link `{ $link }`
reference-nowhere = { $what } points nowhere: there is no { $file }
    .fix = fix the slug or remove the reference
link-to-unbuilt = { $what } points to { $file }, which has `relevant: false` and is not built
    .fix = link to another page, or set `include_irrelevant = true` in config.toml
link-not-relative = link `{ $link }` must be relative to this file
link-outside-content = link `{ $link }` points outside content/articles/ and content/recommendations/
link-below-page = link `{ $link }` points below a page, where nothing is built
link-bad = the link cannot be followed
    .fix = link to an article as `/articles/<slug>/`

## config.toml, topics.yaml, synonyms.yaml

config-unknown-key = unknown key `{ $key }`
    .fix = remove it; accepted keys are { $keys }
config-invalid = { $detail }
    .fix = fix the value at this position
config-page-size = `page_size` must be at least 1
    .fix = set `page_size` to the number of items per list page, e.g. 20
secret-named = `{ $name }` looks like a credential; credentials must not be in the repository
    .fix = remove it, revoke the key, and set it in the environment (see README, Deploy)
secret-key-id = `{ $prefix }…` looks like an access key ID; credentials must not be in the repository
secret-random = a long random-looking string looks like a secret key; credentials must not be in the repository
topics-yaml = content/topics.yaml is not valid YAML: { $detail }
vocabulary-empty-name = a topic has an empty name
    .fix = give the topic a name
vocabulary-duplicate-name = two topics are named `{ $name }`
    .fix = merge the two topics or rename one
vocabulary-bad-slug = slug `{ $slug }` of topic `{ $name }` is not [a-z0-9-]
    .fix = use lowercase pinyin words joined by hyphens, e.g. geren-zhanghu
vocabulary-duplicate-slug = two topics have the slug `{ $slug }`
    .fix = give each topic its own slug
vocabulary-unless = `{ $name }` has `unless` but is a topic
    .fix = `unless` belongs to entries with `relevant: false`; use `exclude` for a topic
vocabulary-no-keywords = `{ $name }` has no keywords or an empty keyword
    .fix = list the phrases that mark this topic under `keywords`
synonyms-not-item = `{ $line }` is not a list item
    .fix = write one group per line: `- 医保 = 医疗保险`
synonyms-empty = empty group
    .fix = list at least two words separated by `=`, or delete the line
synonyms-not-word = `{ $term }` is not one word
    .fix = use Chinese characters only, or ASCII letters and digits only, with no empty term
synonyms-repeated = `{ $term }` is already in the group on line { $earlier }
    .fix = keep each word in one group: merge the two groups or remove one copy
synonyms-single = group `{ $group }` has a single word
    .fix = add the words it means the same as, separated by `=`

## new

new-empty-title = the title is empty; give the question the article answers, e.g. "深圳医保怎么办理异地就医备案"
new-unknown-region = region `{ $region }` is not in the gazetteer; { $hint }
new-unknown-topic = unknown topic `{ $topic }`; { $hint }
new-exists = { $path } already exists; edit it, or choose a different title
new-archetype-front-matter = { $path }: an archetype holds the body only, and starts with front matter; delete the `---` block: `new` writes the front matter itself
new-created = created; write the article, then run `policypress check` and `policypress serve`

## serve

serve-built-summary = { $pages } pages, { $articles } articles
serve-built = built in { $ms } ms: { $summary }
serve-build-failed = build failed after { $ms } ms; still serving the last good build:
serve-build-crashed = the build crashed (a bug in policypress; please report it)
serve-overlay-heading = policypress: build failed — showing the last good build
serve-exposed = warning: serving on { $address } makes the preview reachable from other machines; use --bind 127.0.0.1 unless you mean it
serve-watching = watching { $path } for changes; press Ctrl-C to stop
serve-changed = changed: { $paths }{ $more ->
        [0] {""}
       *[other] {" "}and { $more } more
    }
serve-watch-error = warning: file watching: { $error }
serve-stopped = stopped
serve-no-browser = warning: cannot open a browser ({ $error }); open { $url } yourself

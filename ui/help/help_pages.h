// The help pages of the views (issue 27): what a view plots, how to read it, how it looks in each
// phase and where in the papers it comes from. The texts are resources (resources/help/*.md,
// Markdown), not code, so that they are written and checked against the papers as texts.
//
// One page per view key (the dock names `--raise-dock` takes, plus "prediction", "scrubber",
// "index" and "tasks"). A page's text follows the open run: blocks between
//   <!-- when: group mlp -->  ...  <!-- end -->
// are kept when any of their tags holds for the run (helpContextTags), so that the W_E page
// speaks of Fourier frequencies on a + b mod p and of irreducible representations on S5.
//
//   const QStringList tags = helpContextTags(cfg);          // {"cyclic", "transformer"}
//   QString md = helpMarkdown("we", tags);                   // "" when no page has that key
//   browser->setMarkdown(md);
//
// Threading: GUI thread (reads Qt resources).
#pragma once

#include <QString>
#include <QStringList>

namespace grok {

struct Config;

// Every key with a page: the views' docks and the help's own pages.
QStringList helpPageKeys();
// Every tag a page's block may name.
QStringList helpTags();
// The tags that hold for a run: its task's basis (cyclic, group or nogroup), its model family
// (transformer, mlp, quadratic-mlp), and layers (n_layers > 1), noise (label noise), mse.
QStringList helpContextTags(const Config& cfg);
// The page `key` with the blocks `tags` select; "" when there is no such page.
QString helpMarkdown(const QString& key, const QStringList& tags);
// Its first line without the "# ": the page's title.
QString helpTitle(const QString& markdown);

}  // namespace grok

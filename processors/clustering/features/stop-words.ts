// Stop words for English and Chinese. Besides function words, both lists hold the
// courtesy phrases every support ticket carries (hi, please, thanks / 你好, 请问, 谢谢):
// they say nothing about what went wrong, and their sheer frequency would otherwise pull
// polite and terse tickets about the same problem apart. Phrasal-verb particles (up, down,
// out, off, over) are kept: 'top up', 'cash out' and 'turn off' are different requests.

const ENGLISH = `
a about above after again against all am an and any are aren't as at be because been before
being below between both but by can can't cannot could couldn't did didn't do does doesn't
doing don't during each few for from further had hadn't has hasn't have haven't having
he he'd he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm
i've if in into is isn't it it's its itself let's me more most mustn't my myself no nor not
of on once only or other ought our ours ourselves own same shan't she she'd
she'll she's should shouldn't so some such than that that's the their theirs them themselves
then there there's these they they'd they'll they're they've this those through to too under
until very was wasn't we we'd we'll we're we've were weren't what what's when when's where
where's which while who who's whom why why's with won't would wouldn't you you'd you'll
you're you've your yours yourself yourselves
also just now still yet already even really actually ever anyone anything someone something
get got gets getting would could will shall may might must im ive id dont cant wont didnt
doesnt isnt wasnt havent hasnt
hi hello hey dear please pls plz thanks thank thx regards cheers ok okay yes yeah
`;

const CHINESE_PHRASES = `
你好 您好 你们好 谢谢 谢谢你 谢谢您 感谢 多谢 请问 麻烦 麻烦你 麻烦您 一下 你们 我们 他们 她们 它们
这个 那个 这些 那些 就是 但是 可是 还是 因为 所以 如果 然后 而且 并且 或者 已经 现在 其实 真的 非常
什么 怎么 怎样 怎么样 为什么 为啥 可以 能不能 是不是 有没有 一个 一些 自己 这样 那样 这么 那么 还有
`;

/** Single characters that are pure particles or pronouns; they split CJK runs. */
const CHINESE_CHARS = '的了吗呢吧啊呀嘛哦哈呗哟喔嗯我你您他她它们';

export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set(ENGLISH.split(/\s+/).filter(Boolean));
/** Longest first, so that 你们好 is removed before 你们. */
export const CHINESE_STOP_PHRASES: readonly string[] = [...new Set(CHINESE_PHRASES.split(/\s+/).filter(Boolean))].sort(
  (a, b) => b.length - a.length,
);
export const CHINESE_STOP_CHARS: ReadonlySet<string> = new Set([...CHINESE_CHARS]);

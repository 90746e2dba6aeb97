// English ticket texts. Syntax (see texts.ts): [a|b|c] picks one alternative (an empty
// alternative drops the phrase), {name} inserts a per-ticket value. Each category lists
// intents; a ticket's subject and body come from the same intent so they agree.
import type { LanguageTexts } from './texts.ts';

export const EN_TEXTS: LanguageTexts = {
  intents: {
    billing: [
      {
        subjects: ['[Charged twice|Double charge|Duplicate charge] for order {order}', 'Why was I charged {amount} twice?'],
        bodies: ['[Hi|Hello|Good morning], I [was charged|see a charge of] {amount} [twice|two times] for order {order}. [Please refund the duplicate.|Can you check this?|This needs fixing asap.]'],
      },
      {
        subjects: ['[Wrong|Incorrect] amount on my [invoice|bill|statement]', 'Why was I charged {amount}?'],
        bodies: ['[Hi|Hello], my [invoice|statement] shows {amount} but [my order total was lower|I only ordered one item]. [Order|Ref] {order}. [Thanks.|Regards.|]'],
      },
      {
        subjects: ['[Invoice|VAT invoice|Receipt] [request|needed] for {order}'],
        bodies: ['I [need|would like] a [VAT invoice|proper invoice] for order {order} ({amount}) [for my company|for expenses|]. [Thank you.|Thanks!]'],
      },
      {
        subjects: ['Unexpected [subscription|membership] charge of {amount}'],
        bodies: ['[Hi|Hello], I [never signed up for|cancelled] [a membership|the subscription] but I was charged {amount} [again|this month]. [Please cancel it and refund me.|What is this?]'],
      },
    ],
    refund: [
      {
        subjects: ['[Refund|Money back] [not received|still missing|not arrived yet] for {order}', 'Where is my refund of {amount}?'],
        bodies: ['[Hi|Hello], I returned {product} (order {order}) [{days} days ago|two weeks ago|last month] and [still have not received|haven\'t got] my refund of {amount}. [Any update?|Please check.|What is going on?]'],
      },
      {
        subjects: ['Refund request – {product}', '[Please|I want to] [cancel and refund|return] order {order}'],
        bodies: ['I [would like|want] to [return|send back] {product} from order {order}. [It is not what I expected.|The colour is wrong.|I changed my mind.] [How do I get my money back?|Please send a return label.]'],
      },
      {
        subjects: ['[Partial|Incomplete] refund for {order}'],
        bodies: ['You refunded only part of {amount} for {order}. [Please refund the rest.|Why?|Can you explain?]'],
      },
    ],
    delivery: [
      {
        subjects: ['[Order|Package|Parcel] {order} [not delivered|still not here|hasn\'t arrived]', '[Delivery|Shipment] [delayed|late] by {days} days'],
        bodies: ['[Hi|Hello], my order {order} [was supposed to arrive|should have been delivered] {days} days ago [and nothing came|but it is still not here|]. [Where is it?|Please help.|Can you check with the courier?]'],
      },
      {
        subjects: ['Tracking [not updating|stuck] for {order}'],
        bodies: ['The tracking for {order} [has not moved|has been stuck] for {days} days. [Is my parcel lost?|Please check with the courier.|]'],
      },
      {
        subjects: ['[Wrong item|Wrong product] [received|delivered] – {order}'],
        bodies: ['I [received|got] the wrong [item|product] in order {order}: I ordered {product}. [Please send the right one.|What should I do?]'],
      },
      {
        subjects: ['Parcel marked delivered but [not received|nothing arrived]'],
        bodies: ['The tracking for {order} [says delivered|shows delivered] but [I never got it|there was no parcel at my door]. [I was home all day.|My neighbours don\'t have it either.|]'],
      },
      {
        subjects: ['Missing item in [my order|order {order}]'],
        bodies: ['My parcel arrived but {product} was [missing|not in the box]. Order {order}. [Please send it.|]'],
      },
    ],
    product_defect: [
      {
        subjects: ['{product} {defect}', '[Damaged|Defective|Faulty] {product} – order {order}', '{product} {defect}[!|!!|]'],
        bodies: ['[Hi|Hello|Hi there], I [received|got] my {product} [today|yesterday|this morning] and it {defect}. [Order {order}.|Order number {order}.|] [Can I get a replacement?|I would like a refund.|Please advise.|Very disappointed.]'],
      },
      {
        subjects: ['My {product} {defect}', '[Problem|Issue|Quality issue] with {product}'],
        bodies: [
          'My {product} {defect}. [The batch code on the box is {batch}.|Batch {batch}.|] [Please replace it.|What can you do?|]',
          '[Really disappointed:|Not happy:|] the {product} from order {order} {defect}. [Photos attached.|I have pictures.|] [Batch number {batch}.|]',
        ],
      },
    ],
    account_access: [
      {
        subjects: ['[Can\'t|Cannot|Unable to] [log in|sign in] to my account'],
        bodies: ['[I can\'t|I cannot|I am unable to] [log in|sign in] [since yesterday|since the update|anymore]. [It says my password is wrong|It just reloads the page|I get an error] [even after resetting it|]. [Please help.|Urgent please.|]'],
      },
      {
        subjects: ['[Password reset|Reset link] [not working|never arrives]', '[No|Not receiving the] [verification code|2FA code|SMS code]'],
        bodies: ['The [password reset email|reset link|verification code] [never arrives|does not come|has expired]. [I checked spam.|Tried three times.|]'],
      },
      {
        subjects: ['[Account locked|My account is locked|Locked out of my account]'],
        bodies: ['My account [got locked|was blocked] [after too many attempts|for no reason]. [I have an open order {order}.|I need to check my orders.|] [Please unlock it.|]'],
      },
      {
        subjects: ['[Change|Update] the email on my account'],
        bodies: ['[How do I|Please] [change|update] the email address on my account? [I no longer use the old one.|]'],
      },
    ],
    software_fault: [
      {
        subjects: ['[App|The app|{product}] [keeps crashing|crashes on start|freezes] [after the update|on my phone|]'],
        bodies: ['The [app|{product}] [crashes|closes|freezes] [every time I open it|when I go to checkout|after the latest update] (version {version}). [I tried reinstalling.|Restarting did not help.|] [Please fix.|]'],
      },
      {
        subjects: ['[Checkout|Cart|Basket] page [not loading|blank|shows an error]', '[Error|Bug] when [adding to cart|applying a voucher|saving my address]'],
        bodies: ['When I [apply a voucher|add to basket|save my address] I get [an error|error 500|a blank page]. [Browser: Chrome.|On iPhone.|On Android.|] [Very frustrating.|]'],
      },
      {
        subjects: ['Loyalty points [missing|not showing] in {product}'],
        bodies: ['My loyalty points [disappeared|are not showing] in {product}. [I had about 1200 points.|I earned points on {order}.|]'],
      },
    ],
    payment_failure: [
      {
        subjects: ['[Payment|Card payment] [failed|declined|rejected] [for order {order}|at checkout|]', '[Card declined|Payment error] but money [taken|deducted|reserved]'],
        bodies: ['My [card|payment] was [declined|rejected] [at checkout|for order {order}] but my bank [says everything is fine|shows {amount} reserved]. [Please check.|What is wrong?|]'],
      },
      {
        subjects: ['[PayPal|Apple Pay|Credit card] [not working|payment fails]', '[Can\'t|Cannot] [pay|complete payment] for {product}'],
        bodies: ['I tried to pay {amount} [three times|twice] [with my card ending {card}|with PayPal] and it [keeps failing|fails every time]. [Now I see several pending charges.|]'],
      },
      {
        subjects: ['Charged {amount} but order [not placed|not confirmed]'],
        bodies: ['Payment [went through|was taken] ({amount}) but [I got no confirmation|the order does not show up]. [Order {order}?|]'],
      },
    ],
    general: [
      {
        subjects: ['[Question|Quick question|Enquiry] about {product}', 'Is {product} [suitable for sensitive skin|cruelty-free|vegan]?', '[Ingredients|Shelf life] of {product}'],
        bodies: ['[Hi|Hello], [I would like to know|could you tell me] [whether {product} is suitable for sensitive skin|the ingredients of {product}|how long {product} lasts once opened]. [Thanks!|Thank you.|]'],
      },
      {
        subjects: ['[How do I|How can I] [change my delivery address|use a voucher code|get gift wrapping]', '[Opening hours|Store locations|Gift wrapping] [question|enquiry]'],
        bodies: ['[How do I|How can I] [change the delivery address for {order}|use my voucher|get gift wrapping]? [Thanks.|]'],
      },
      {
        subjects: ['[Feedback|Suggestion] about [your service|the website|{product}]'],
        bodies: ['[Just wanted to say|Some feedback:] [your delivery was very fast|the website is hard to use|I love {product}]. [Keep it up.|]'],
      },
    ],
  },
  defects: {
    lipstick: ['snapped in half', 'arrived broken', 'melted in the tube', 'broke off at the base', 'came with a cracked cap', 'smells strange'],
    bottle: ['is leaking', 'has a broken pump', 'smells strange', 'arrived with a cracked bottle', 'changed colour'],
    cream: ['has separated', 'smells strange', 'arrived with a cracked jar', 'caused a rash', 'is half empty'],
    mascara: ['has dried out', 'has a broken brush', 'is clumpy', 'leaked in the box'],
    palette: ['arrived shattered', 'has a cracked mirror', 'is crumbling', 'has a broken hinge'],
    device: ['stopped working', 'will not charge', 'overheats', 'arrived dead'],
    digital: ['does not work', 'shows an error'],
  },
  incident: {
    subjects: [
      '{product} {defect} – batch {batch}',
      '[Another|Yet another|Second] {product} {defect}',
      '{product} {defect} [again|too]',
      '[Broken|Damaged] {product} ({batch})',
    ],
    bodies: [
      '[Hi|Hello], the {product} I [received|ordered] {defect}. [It is batch {batch}.|Code {batch} on the tube.|] [I saw others online with the same problem.|Is there a problem with this batch?|] Order {order}.',
      'Opened my {product} [today|this morning] and it {defect}. [Batch {batch}.|] [Please send a replacement.|I want a refund.]',
    ],
  },
  agentReplies: [
    '[Hi|Hello], [thanks for reaching out|thank you for contacting us|sorry for the trouble]. [I\'m looking into this now.|I\'ve checked your order {order}.|Let me check that for you.]',
    '[Thanks for your patience.|Sorry for the wait.] [Could you send a photo?|Could you confirm your address?|Can you share a screenshot?]',
    '[I have|I\'ve] [issued a replacement|processed a refund of {amount}|reset your account|raised this with our warehouse]. [It should show in 3–5 days.|You will get an email shortly.|]',
    '[Sorry about this.|Apologies for the inconvenience.] [Our team is on it.|I have escalated this internally.|We will update you soon.]',
    '[Good news:|Update:] [this is fixed now|your parcel is on its way|the refund has been approved]. [Anything else I can help with?|]',
  ],
  customerReplies: [
    '[Thanks|Thank you][.|!] [Here is the photo.|Screenshot attached.|My address is unchanged.]',
    '[Any update?|Still waiting.|Hello?] [It has been {days} days.|]',
    '[It still does not work.|Same problem.|That did not help.]',
    '[Ok|Okay|Great], [thanks|that worked|I will wait].',
  ],
  reopenReplies: [
    '[Sorry, but|Unfortunately] [the problem is back|it is still not fixed|I never got the refund].',
    '[This is not resolved.|Why was this closed?] [Please reopen.|]',
  ],
};

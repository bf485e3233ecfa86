import { Field, ID, Int, ObjectType } from '@nestjs/graphql';
import type { ChannelSummary, ProviderSummary } from '../integration.types.js';

@ObjectType('SpecField', { description: 'A field of a provider order form; fieldType is Integer | String | Select | Region | OsOptions | Boolean.' })
export class SpecFieldModel {
  @Field()
  key!: string;

  @Field()
  label!: string;

  @Field()
  fieldType!: string;

  @Field()
  required!: boolean;

  @Field(() => Int)
  displayOrder!: number;

  @Field(() => [String])
  options!: string[];

  @Field(() => Number, { nullable: true })
  min!: number | null;

  @Field(() => Number, { nullable: true })
  max!: number | null;

  @Field(() => String, { nullable: true })
  defaultValue!: string | null;
}

@ObjectType('Provider', { description: 'An enabled provider interface.' })
export class ProviderModel {
  @Field(() => ID)
  interfaceId!: string;

  @Field()
  name!: string;

  @Field({ description: 'first_party | upstream' })
  providerType!: string;

  @Field()
  isHealthy!: boolean;

  @Field(() => [SpecFieldModel])
  specFields!: SpecFieldModel[];

  static from(p: ProviderSummary): ProviderModel {
    return Object.assign(new ProviderModel(), {
      interfaceId: p.interfaceId,
      name: p.name,
      providerType: p.providerType,
      isHealthy: p.isHealthy,
      specFields: p.specTemplate.fields.map((f) => ({
        key: f.key,
        label: f.label,
        fieldType: f.field_type,
        required: f.required ?? false,
        displayOrder: f.display_order ?? 0,
        options: f.options ?? [],
        min: f.min ?? null,
        max: f.max ?? null,
        defaultValue: f.default_value ?? null,
      })),
    });
  }
}

@ObjectType('Channel', { description: 'An enabled gateway or notifier interface.' })
export class ChannelModel {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field()
  isHealthy!: boolean;

  static from(c: ChannelSummary): ChannelModel {
    return Object.assign(new ChannelModel(), c);
  }
}
